// The running weighted total of the review form, updated as the juror picks scores.
(function () {
  "use strict";
  var form = document.getElementById("review-form");
  var out = document.getElementById("total");
  if (!form || !out) { return; }
  function update() {
    var total = 0;
    var any = false;
    form.querySelectorAll("select.score").forEach(function (select) {
      if (select.value !== "") {
        total += parseFloat(select.value) * parseFloat(select.getAttribute("data-weight") || "1");
        any = true;
      }
    });
    out.textContent = any ? (Math.round(total * 100) / 100).toLocaleString(document.documentElement.lang) : "—";
  }
  form.addEventListener("change", update);
  update();
}());
