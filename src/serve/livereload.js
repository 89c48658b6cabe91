// secsite dev server: reloads the page when a new build is in place, and swaps stylesheets
// without a reload when only CSS changed. Injected by `secsite serve`, never written by `build`.
(function () {
  "use strict";
  if (!window.EventSource) {
    return;
  }
  var source = new EventSource("/__secsite/events");
  source.addEventListener("reload", function () {
    window.location.reload();
  });
  source.addEventListener("css", function () {
    var links = document.querySelectorAll('link[rel="stylesheet"]');
    Array.prototype.forEach.call(links, function (link) {
      var url = new URL(link.href);
      url.searchParams.set("secsite-reload", String(Date.now()));
      var fresh = link.cloneNode();
      fresh.href = url.toString();
      fresh.onload = function () {
        link.remove();
      };
      link.after(fresh);
    });
  });
})();
