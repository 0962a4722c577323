// Leaving a page with unsaved changes asks first (issue 18, "drafts are never lost"), for the long forms that do
// not autosave: the call's settings and texts, the question editor, the rubric, the budget, a review, a consensus…
//
// A form opts in with the attribute data-warn-on-leave (the template macro warn_on_leave() writes it):
// - data-warn-on-leave: the form warns once one of its fields differs from what the page was served with. The
//   comparison is with the values written in the page (defaultValue, defaultChecked, defaultSelected), so typing
//   and then undoing it does not warn, while what the browser puts back in a field on a reload or "back" (typed
//   here, never sent) still does;
// - data-warn-on-leave="unsaved": what the form shows is not stored at all (sent and refused, or "your version"
//   beside a version saved meanwhile), so leaving warns even before anything is typed.
// The form's own submit never warns, whichever button sends it (also a button elsewhere on the page tied to it
// with form="…"); sending another form of the page, following a link or closing the tab does, if this form holds
// changes. Forms with data-autosave-url are left to autosave.js, which saves first and asks only if that fails.
// The browser shows its own words in the dialog: no text comes from here.
(function () {
  "use strict";

  // Fields a person does not type into: the token and the version are renewed by scripts, not by hand.
  var IGNORED_TYPES = /^(hidden|submit|button|reset|image)$/;

  // The options chosen now, and those the page was served with, as "0,3".
  function selection(select) {
    var chosen = [];
    Array.prototype.forEach.call(select.options, function (o, i) { if (o.selected) { chosen.push(i); } });
    return chosen.join(",");
  }

  function defaultSelection(select) {
    var chosen = [];
    Array.prototype.forEach.call(select.options, function (o, i) { if (o.defaultSelected) { chosen.push(i); } });
    if (select.multiple) { return chosen.join(","); }
    if (chosen.length) { return String(chosen[chosen.length - 1]); }  // one choice: the last one marked wins
    if (select.size > 1) { return ""; }
    // A drop-down with no option marked starts on its first enabled option.
    for (var i = 0; i < select.options.length; i += 1) {
      if (!select.options[i].disabled) { return String(i); }
    }
    return "";
  }

  // The value the page was served with, as the browser shows it: value="2027-03-31T17:00:00" shows (and
  // reads back) as "2027-03-31T17:00", so the attribute is passed through a field of the same type first.
  function servedValue(input) {
    var probe = document.createElement("input");
    probe.type = input.type;
    probe.value = input.defaultValue;
    return probe.value;
  }

  function differs(input) {
    // :disabled also covers the fields of a disabled fieldset (a read-only form).
    if (!input.name || input.matches(":disabled") || IGNORED_TYPES.test(input.type)) { return false; }
    if (input.type === "checkbox" || input.type === "radio") { return input.checked !== input.defaultChecked; }
    if (input.type === "file") { return input.files && input.files.length > 0; }  // a chosen file would be lost
    if (input.tagName === "SELECT") { return selection(input) !== defaultSelection(input); }
    if (input.tagName === "INPUT") { return input.value !== servedValue(input); }
    if (input.tagName === "TEXTAREA") { return input.value !== input.defaultValue; }
    return false;
  }

  function changed(form) {
    if (form.getAttribute("data-warn-on-leave") === "unsaved") { return true; }
    // form.elements also holds the fields outside the form that name it with form="…".
    return Array.prototype.some.call(form.elements, differs);
  }

  var guarded = Array.prototype.filter.call(document.querySelectorAll("form[data-warn-on-leave]"), function (form) {
    return !form.hasAttribute("data-autosave-url");
  });
  if (!guarded.length) { return; }

  // The forms being sent: leaving the page for their answer is what the person asked for.
  var sent = [];

  // Bubbling, so that a script that stops the submit (autosave.js waiting for a save) has run first.
  document.addEventListener("submit", function (event) {
    if (!event.defaultPrevented && guarded.indexOf(event.target) >= 0) { sent.push(event.target); }
  });

  window.addEventListener("beforeunload", function (event) {
    var losing = guarded.some(function (form) { return sent.indexOf(form) < 0 && changed(form); });
    if (!losing) { return undefined; }
    event.preventDefault();
    event.returnValue = "";  // the browser shows its own words
    return "";
  });

  // Back to this page from the browser's cache after a form was sent: it guards again.
  window.addEventListener("pageshow", function () { sent = []; });
}());
