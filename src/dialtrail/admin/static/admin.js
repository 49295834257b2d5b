// Dialtrail admin: the few behaviours plain forms cannot do. Served from /admin/static, since
// the pages' Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // The project switcher opens the chosen project at once.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // Destructive forms ask first.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });

  // Copy buttons: copy the text of the element named by data-copy.
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var source = document.getElementById(button.getAttribute("data-copy"));
      var status = button.parentNode.querySelector(".copied");
      copy(source.textContent).then(function () {
        if (status) status.textContent = "Copied.";
      }, function () {
        selectText(source);
        if (status) status.textContent = "Selected: press Ctrl+C (or Cmd+C) to copy.";
      });
    });
  });

  // A webhook parameter's constant box shows only when its value select says "constant".
  document.querySelectorAll("select[data-constant-toggle]").forEach(function (select) {
    var cell = document.getElementById(select.getAttribute("data-constant-toggle"));
    function toggle() { cell.classList.toggle("constant-hidden", select.value !== "constant"); }
    select.addEventListener("change", toggle);
    toggle();
  });

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    return Promise.reject(new Error("no clipboard"));
  }

  function selectText(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
})();
