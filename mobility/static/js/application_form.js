// Application form helpers (the form works without them; autosave is static/js/autosave.js):
// - a live character count for fields with a limit (counted in characters, as the server does);
// - questions that depend on another answer appear only when that answer is given.
(function () {
  "use strict";
  var form = document.getElementById("application-form");
  if (!form) { return; }

  function chars(text) { return Array.from(text.replace(/\r\n/g, "\n")).length; }

  form.querySelectorAll("[data-maxlength]").forEach(function (field) {
    var counter = document.createElement("p");
    counter.className = "hint char-count";
    counter.setAttribute("aria-live", "polite");
    field.insertAdjacentElement("afterend", counter);
    function update() {
      var max = parseInt(field.getAttribute("data-maxlength"), 10);
      var used = chars(field.value);
      counter.textContent = used + " / " + max;
      counter.classList.toggle("over", used > max);
    }
    field.addEventListener("input", update);
    update();
  });

  function applyConditions() {
    form.querySelectorAll(".question[data-condition-question]").forEach(function (block) {
      var name = block.getAttribute("data-condition-question");
      var wanted = block.getAttribute("data-condition-value");
      var shown = Array.prototype.some.call(form.querySelectorAll("[name='" + name + "']"), function (input) {
        if (input.type === "radio" || input.type === "checkbox") { return input.checked && input.value === wanted; }
        return input.value === wanted;
      });
      block.hidden = !shown;
    });
    form.querySelectorAll(".condition-note").forEach(function (note) { note.hidden = true; });
  }

  form.addEventListener("change", applyConditions);
  applyConditions();
}());
