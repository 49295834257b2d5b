/* The floor of benchmarks/script.py: what any call-tracking script must do on a page view and
   nothing more, so that the benchmark shows how much of the insertion script's cost is the
   browser's own work. It reads the cookies once, sends one page view to the collector, reads
   its JSON answer and puts the tracking number in place of the first text that spells the
   site's number; an SPA page view (pushState) sends one more, from a timer as the script does
   (the trace then counts it as the floor's: work done inside the page's pushState call would
   be the caller's). No ids, no cookie written, no entity read, no observer, no error handling
   beyond what keeps the page safe. */
(function () {
  var endpoint = '__ENDPOINT__', site = '__SITE_NUMBER__', shownAs = '__SHOWN_AS__';
  function pageView() {
    var cookies = document.cookie;
    fetch(endpoint + '/pageview', {method: 'POST', keepalive: true, credentials: 'omit',
      body: JSON.stringify({url: location.href, cookies: cookies.length})})
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        if (!answer.number) return;
        var walker = document.createTreeWalker(document.body, 4);
        for (var node; (node = walker.nextNode());) {
          if (node.data.indexOf(site) >= 0) { node.data = node.data.replace(site, shownAs); return; }
        }
      })
      .catch(function () {});
  }
  var push = history.pushState;
  history.pushState = function () {
    var result = push.apply(this, arguments);
    setTimeout(pageView, 0); // after the router's own work, as the script does (and so in a task of its own)
    return result;
  };
  if (document.readyState != 'loading') pageView();
  else document.addEventListener('DOMContentLoaded', pageView);
})();
