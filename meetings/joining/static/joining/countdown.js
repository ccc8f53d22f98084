// The "opens in" countdown of a join page: counts down to data-opens-at, then reloads the page
// (which then redirects to the class). Served from this host: the CSP allows no inline script.
(function () {
  "use strict";
  var el = document.querySelector("[data-opens-at]");
  if (!el) return;
  var opensAt = Date.parse(el.getAttribute("data-opens-at"));
  if (isNaN(opensAt)) return;
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function tick() {
    var left = Math.ceil((opensAt - Date.now()) / 1000);
    if (left <= 0) {
      el.textContent = el.getAttribute("data-now") || "now";
      // A moment's grace for clocks that run a little ahead of the server's.
      setTimeout(function () { window.location.reload(); }, 1000);
      return;
    }
    var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
    el.textContent = (h ? h + ":" + pad(m) : String(m)) + ":" + pad(s);
    setTimeout(tick, 1000);
  }
  tick();
})();
