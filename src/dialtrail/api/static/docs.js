// Starts Swagger UI on /api/docs. A file of its own rather than an inline script: the page
// has the admin's Content-Security-Policy, which runs scripts from this server only.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.getAttribute("data-openapi-url"),
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    // Swagger UI would otherwise send the OpenAPI document's address to validator.swagger.io.
    validatorUrl: null,
    presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIBundle.SwaggerUIStandalonePreset]
  });
})();
