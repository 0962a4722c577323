// Application form helpers (the form works without them):
// - autosave every 30 s and when a field is left, showing "saved at …";
// - a live character count for fields with a limit (counted in characters, as the server does);
// - questions that depend on another answer appear only when that answer is given.
(function () {
  "use strict";
  var form = document.getElementById("application-form");
  if (!form) { return; }
  var status = form.querySelector(".save-status");
  var dirty = false;
  var saving = false;
  var submitWhenSaved = false;
  // A save whose answer never came (connection lost): it may have been stored. The next save names it,
  // so the server can tell our own newer version from another window's and not report a conflict.
  var lostSave = "";

  function saveId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

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

  function save() {
    if (!dirty || saving) { return; }
    saving = true;
    dirty = false;
    var data = new FormData(form);
    var id = saveId();
    data.set("save_id", id);
    if (lostSave) { data.set("lost_save", lostSave); }
    fetch(form.getAttribute("data-autosave-url"), {
      method: "POST", body: data, credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      lostSave = "";
      if (result.ok) {
        form.querySelector("input[name='version']").value = result.body.version;
        document.querySelectorAll("input[name='csrf_token']").forEach(function (input) {
          input.value = result.body.csrf_token;
        });
        status.textContent = result.body.message;
        status.classList.remove("error");
      } else {
        status.textContent = result.body.error;
        status.classList.add("error");
        if (!result.body.conflict) { dirty = true; }
      }
    }).catch(function () {
      lostSave = lostSave || id;  // an older lost save stays the one to name until an answer comes
      dirty = true;  // offline for a moment: try again on the next tick
    }).then(function () {
      saving = false;
      if (submitWhenSaved) { form.submit(); }  // now with the version the autosave returned
    });
  }

  // Pressing "Save draft" while an autosave is on its way would send an older version and meet a
  // conflict with our own save: wait for it to come back first.
  form.addEventListener("submit", function (event) {
    if (saving) {
      event.preventDefault();
      submitWhenSaved = true;
    }
  });

  form.addEventListener("input", function () { dirty = true; });
  form.addEventListener("change", function () { dirty = true; applyConditions(); save(); });
  form.addEventListener("focusout", save);
  window.setInterval(save, 30000);
  applyConditions();
}());
