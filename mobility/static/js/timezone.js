// Tell the server the browser's time zone, so that visitors who are not signed in see deadlines in their own
// zone. Only a preference: nothing else is stored. The server validates the name against its list of zones.
// Loaded in <head>, not deferred: when the server could only guess the zone (no cookie yet: it says so in
// <html data-zone-guess>) and the browser's zone is another, the page is loaded again at once, so that even
// the very first page shows the browser's zone. That happens once: the cookie is there from then on.
(function () {
  "use strict";
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (ignored) { return; /* old browser: the language's likely zone is used */ }
  // Zone names hold only letters, digits and "/_+-": safe in a cookie as they are.
  if (!zone || !/^[A-Za-z0-9\/_+-]+$/.test(zone)) { return; }
  var had = /(?:^|;\s*)tz=/.test(document.cookie);
  if (document.cookie.indexOf("tz=" + zone) === -1) {
    document.cookie = "tz=" + zone + "; path=/; max-age=31536000; SameSite=Lax";
  }
  var guess = document.documentElement.getAttribute("data-zone-guess");
  var same = guess === zone || (/^(Etc\/)?(UTC|UCT|Universal|Zulu|GMT)$/.test(guess) &&
                                /^(Etc\/)?(UTC|UCT|Universal|Zulu|GMT)$/.test(zone));
  if (guess && !had && !same && /(?:^|;\s*)tz=/.test(document.cookie)) {
    window.location.replace(window.location.href);
    return;
  }
  // A form that asks for a zone (registration) starts at the browser's, where the list has it.
  document.addEventListener("DOMContentLoaded", function () {
    var selects = document.querySelectorAll("select[data-browser-zone]");
    for (var i = 0; i < selects.length; i++) {
      var select = selects[i];
      if (select.querySelector('option[value="' + zone + '"]')) {
        select.value = zone;
      }
    }
  });
}());
