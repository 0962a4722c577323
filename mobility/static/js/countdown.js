// Live countdown to a deadline. The server already printed "in 3 days"; this refines it every second.
// The sentence comes translated from the page: data-template="{days} d {hours} h {minutes} min {seconds} s".
(function () {
  "use strict";
  var nodes = document.querySelectorAll("[data-deadline]");
  if (!nodes.length) { return; }
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function tick() {
    var now = Date.now();
    nodes.forEach(function (node) {
      var left = Math.floor((Date.parse(node.getAttribute("data-deadline")) - now) / 1000);
      if (left <= 0) {
        node.textContent = node.getAttribute("data-closed");
        return;
      }
      var days = Math.floor(left / 86400);
      var hours = Math.floor((left % 86400) / 3600);
      var minutes = Math.floor((left % 3600) / 60);
      var seconds = left % 60;
      node.textContent = node.getAttribute("data-template")
        .replace("{days}", days).replace("{hours}", pad(hours))
        .replace("{minutes}", pad(minutes)).replace("{seconds}", pad(seconds));
    });
  }
  tick();
  window.setInterval(tick, 1000);
}());
