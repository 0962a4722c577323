// Autosave for the long forms (form[data-autosave-url]: the application and the final report). The forms work
// without it; with it, what is typed is never lost quietly:
// - a save every 30 s, a few seconds after typing stops, and when a field is left;
// - the status says "not saved yet" as soon as something is typed: never an old "saved at" over unsaved text;
// - a failed save says so loudly (the role="alert" region) and is tried again, waiting longer each time;
// - the form's token is renewed before it expires (a page left open for hours still saves), and a save refused
//   for its token fetches a fresh one and is sent again;
// - sending another form of the page (a file, the language…) or following a link saves the typed text first;
// - leaving the page while something is not saved asks first;
// - what is typed and not yet stored is also kept in this browser (localStorage, under the signed-in person
//   and the form's address) until a save lands: when the server cannot store it (a database outage answers
//   503) the page keeps trying, and a reload or a crash brings the text back if it is newer than the server's
//   version, then saves it (the copy is removed as soon as the server has it).
// Every text comes from the form's data-text-* attributes, rendered translated by the template.
(function () {
  "use strict";
  var TICK = 30000;
  var PAUSE = 4000;
  var MAX_WAIT = 60;

  function randomId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function setUp(form) {
    var text = form.dataset;
    var status = form.querySelector(".save-status");
    var alertBox = form.querySelector(".save-alert");
    var lifetime = parseInt(text.tokenLifetime || "0", 10) * 1000;
    var tokenTime = Date.now();
    var dirty = false;      // typed since the last save was sent
    var unsaved = false;    // a save failed: what is on the page is not (known to be) stored
    var saving = false;
    var leaving = false;
    var waitFor = null;     // the submit button pressed while a save was on its way (or the token renewed)
    var whenSaved = null;   // another form of the page (a file, the host, the language), sent once this is saved
    var failures = 0;
    var retryTimer = null;
    var pauseTimer = null;
    var savedMessage = status.textContent;
    // A save whose answer never came (connection lost): it may have been stored. The next save names it,
    // so the server can tell our own newer version from another window's and not report a conflict.
    var lostSave = "";
    var versionInput = form.querySelector("input[name='version']");
    var draftKey = text.draftKey || "";
    var NOT_KEPT = { csrf_token: 1, version: 1, save_id: 1, lost_save: 1 };

    // ---- the copy kept in the browser ----
    function versionNow() { return parseInt((versionInput && versionInput.value) || "0", 10) || 0; }

    function fieldsOf() {
      var fields = {};
      Array.prototype.forEach.call(form.elements, function (input) {
        var name = input.name;
        if (!name || NOT_KEPT[name] || input.disabled || /^(file|submit|button|reset|image)$/.test(input.type)) { return; }
        var values = fields[name] || (fields[name] = []);
        if (input.type === "checkbox" || input.type === "radio") {
          if (input.checked) { values.push(input.value); }
        } else if (input.tagName === "SELECT" && input.multiple) {
          Array.prototype.forEach.call(input.options, function (o) { if (o.selected) { values.push(o.value); } });
        } else {
          values.push(input.value);
        }
      });
      return fields;
    }

    function putBack(fields) {
      var seen = {};
      var changed = false;
      Array.prototype.forEach.call(form.elements, function (input) {
        var name = input.name;
        var values = fields[name];
        if (!name || !values || NOT_KEPT[name] || input.disabled || /^(file|submit|button|reset|image)$/.test(input.type)) { return; }
        if (input.type === "checkbox" || input.type === "radio") {
          var checked = values.indexOf(input.value) >= 0;
          changed = changed || checked !== input.checked;
          input.checked = checked;
        } else if (input.tagName === "SELECT" && input.multiple) {
          Array.prototype.forEach.call(input.options, function (o) {
            var selected = values.indexOf(o.value) >= 0;
            changed = changed || selected !== o.selected;
            o.selected = selected;
          });
        } else {
          var n = seen[name] || 0;
          seen[name] = n + 1;
          if (n < values.length && input.value !== values[n]) { input.value = values[n]; changed = true; }
        }
      });
      return changed;
    }

    function keepLocally() {
      if (!draftKey) { return; }
      try {
        window.localStorage.setItem(draftKey, JSON.stringify(
          { base: versionNow(), at: Date.now(), lostSave: lostSave, fields: fieldsOf() }));
      } catch (e) { /* storage full or refused: the page itself still holds the text */ }
    }

    function forgetLocally() {
      if (!draftKey) { return; }
      try { window.localStorage.removeItem(draftKey); } catch (e) { /* nothing kept */ }
    }

    function keptLocally() {
      if (!draftKey) { return null; }
      try {
        var kept = JSON.parse(window.localStorage.getItem(draftKey) || "null");
        return kept && kept.fields ? kept : null;
      } catch (e) { return null; }
    }

    function show() {
      var pending = dirty || unsaved;
      status.textContent = saving ? text.textSaving : (pending ? text.textUnsaved : savedMessage);
      status.classList.toggle("unsaved", pending || saving);
      form.classList.toggle("has-unsaved-changes", pending || saving);
    }

    function shout(message) {
      alertBox.textContent = message;
    }

    function setTokens(token) {
      document.querySelectorAll("input[name='csrf_token']").forEach(function (input) { input.value = token; });
      tokenTime = Date.now();
    }

    function SignedOut() {}
    function ServerFailed() {}

    function json(response) {
      if (response.redirected) { throw new SignedOut(); }  // sent to the sign-in page
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("json") < 0) { throw new ServerFailed(); }  // an error page, not our answer
      return response.json().then(function (body) { return { status: response.status, ok: response.ok, body: body }; });
    }

    function renewToken() {
      return fetch(text.tokenUrl, {
        credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" }
      }).then(json).then(function (result) {
        if (!result.ok || !result.body.csrf_token) { throw new ServerFailed(); }
        setTokens(result.body.csrf_token);
      });
    }

    function tokenIsOld() {
      return lifetime > 0 && Date.now() - tokenTime > lifetime / 2;
    }

    function post(id) {
      var data = new FormData(form);
      Array.prototype.forEach.call(form.elements, function (input) {
        if (input.type === "file" && input.name) { data.delete(input.name); }  // a file goes with its button
      });
      data.set("save_id", id);
      if (lostSave) { data.set("lost_save", lostSave); }
      return fetch(text.autosaveUrl, {
        method: "POST", body: data, credentials: "same-origin", headers: { "Accept": "application/json" }
      }).then(json);
    }

    function tryAgainLater(message) {
      unsaved = true;
      dirty = true;
      failures += 1;
      keepLocally();  // the database may be down for a while: a reload or a crash meanwhile keeps the text
      var seconds = Math.min(5 * Math.pow(2, failures - 1), MAX_WAIT);
      shout(message + " " + text.textRetry.replace("{seconds}", seconds));
      window.clearTimeout(retryTimer);
      retryTimer = window.setTimeout(function () { shout(message + " " + text.textRetrying); save(); }, seconds * 1000);
    }

    function stored(body) {
      lostSave = "";
      failures = 0;
      unsaved = false;
      versionInput.value = body.version;
      if (body.csrf_token) { setTokens(body.csrf_token); }
      savedMessage = body.message;
      shout("");
      if (dirty) { keepLocally(); } else { forgetLocally(); }  // typed while it was saving: that is kept
    }

    function save() {
      if ((!dirty && !unsaved) || saving) { return; }
      window.clearTimeout(retryTimer);
      window.clearTimeout(pauseTimer);
      saving = true;
      dirty = false;
      show();
      var id = randomId();
      var renewed = false;
      (tokenIsOld() ? renewToken() : Promise.resolve()).then(function () {
        return post(id);
      }).then(function (result) {
        if (!result.ok && result.body.csrf && !renewed) {  // the token expired or the session changed
          renewed = true;
          return renewToken().then(function () { return post(id); });
        }
        return result;
      }).then(function (result) {
        if (result.ok) {
          stored(result.body);
        } else if (result.status >= 500 || result.body.csrf) {
          tryAgainLater(text.textFailed);
        } else {
          // Refused by a rule (a conflict, a field to fix, no longer editable): waits for the person.
          lostSave = "";
          unsaved = true;
          keepLocally();
          shout(result.body.error);
        }
      }, function (error) {
        if (error instanceof SignedOut) {
          tryAgainLater(text.textSignedOut);
        } else if (error instanceof ServerFailed) {
          tryAgainLater(text.textFailed);
        } else {
          lostSave = lostSave || id;  // an older lost save stays the one to name until an answer comes
          tryAgainLater(text.textOffline);
        }
      }).then(function () {
        saving = false;
        show();
        if (waitFor) { send(waitFor.button); return; }
        if (whenSaved) {
          if (dirty && !unsaved) { save(); return; }  // typed meanwhile: that first too
          var next = whenSaved;
          whenSaved = null;
          next(!unsaved);  // not stored: the form goes, and leaving the page asks first
        }
      });
    }

    function send(button) {
      waitFor = null;
      leaving = true;
      if (form.requestSubmit && button) { form.requestSubmit(button); } else { form.submit(); }
    }

    // Pressing a button while an autosave is on its way would send an older version and meet a conflict with
    // our own save: wait for it. A token near its end is renewed first, so the form is not refused for it.
    form.addEventListener("submit", function (event) {
      var button = event.submitter || null;
      if (saving) {
        event.preventDefault();
        waitFor = { button: button };
        return;
      }
      if (tokenIsOld()) {
        event.preventDefault();
        renewToken().then(function () { send(button); }, function () { send(button); });
        return;
      }
      leaving = true;
    });

    if (text.unsaved === "1") {  // the page shows what was sent and refused: not stored yet
      dirty = true;
      show();
      keepLocally();
      pauseTimer = window.setTimeout(save, PAUSE);
    } else {
      // Typed here and never stored (the server was down, the tab closed, the computer crashed): put back when it
      // is newer than what the server has, i.e. typed over the version the page shows now, or over an older one
      // while a save's answer was lost (the save then names it, and the server tells our save from another's:
      // another window's newer text is a conflict that shows both versions, never overwritten silently).
      var kept = keptLocally();
      if (kept && (kept.base >= versionNow() || kept.lostSave)) {
        if (putBack(kept.fields)) {
          versionInput.value = kept.base;
          lostSave = kept.lostSave || "";
          dirty = true;
          unsaved = true;
          show();
          shout(text.textRestored || "");
          pauseTimer = window.setTimeout(save, 1000);
        } else {
          forgetLocally();  // the server already has exactly this
        }
      } else if (kept) {
        forgetLocally();  // the server has a newer save than what was typed here
      }
    }
    // Another form of the page (a file, a team invitation, the language switch, signing out) would leave with
    // the typed text unsaved: save it first, then send that form.
    document.addEventListener("submit", function (event) {
      var other = event.target;
      if (other === form || !(dirty || unsaved || saving)) { return; }
      event.preventDefault();
      var button = event.submitter || null;
      whenSaved = function (isStored) {
        leaving = isStored;
        if (other.requestSubmit) { other.requestSubmit(button); } else { other.submit(); }
      };
      save();
    }, true);

    // A link followed right after typing ("Check and submit"): save first, then go (asked only if not stored).
    document.addEventListener("click", function (event) {
      var link = event.target.closest ? event.target.closest("a[href]") : null;
      if (!link || event.defaultPrevented || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey ||
          event.altKey || link.target || link.hasAttribute("download") || link.getAttribute("href").charAt(0) === "#" ||
          !(dirty || unsaved || saving)) { return; }
      event.preventDefault();
      whenSaved = function (isStored) {
        leaving = isStored;
        window.location.assign(link.href);
      };
      save();
    });

    form.addEventListener("input", function () {
      dirty = true;
      keepLocally();
      show();
      window.clearTimeout(pauseTimer);
      pauseTimer = window.setTimeout(save, PAUSE);
    });
    form.addEventListener("change", function () { dirty = true; keepLocally(); save(); });
    form.addEventListener("focusout", save);
    window.addEventListener("online", save);
    window.setInterval(save, TICK);
    // An idle page keeps a live token for its next save or button.
    if (lifetime > 0) {
      window.setInterval(function () { if ((dirty || unsaved) && tokenIsOld()) { renewToken().catch(function () {}); } },
                         Math.max(lifetime / 4, 10000));
    }
    window.addEventListener("beforeunload", function (event) {
      if (leaving || !(dirty || unsaved || saving)) { return undefined; }
      event.preventDefault();
      event.returnValue = "";  // the browser shows its own words
      return "";
    });
    window.addEventListener("pageshow", function () { leaving = false; });
  }

  document.querySelectorAll("form[data-autosave-url]").forEach(setUp);
}());
