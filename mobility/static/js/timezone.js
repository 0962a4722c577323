// Tell the server the browser's time zone, so that visitors who are not signed in see
// deadlines in their own zone from the next page on. Only a preference: nothing else is stored.
(function () {
  "use strict";
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    // Zone names hold only letters, digits and "/_+-": safe in a cookie as they are.
    if (!zone || !/^[A-Za-z0-9\/_+-]+$/.test(zone) || document.cookie.indexOf("tz=" + zone) !== -1) { return; }
    document.cookie = "tz=" + zone + "; path=/; max-age=31536000; SameSite=Lax";
  } catch (ignored) { /* old browser: the language's likely zone is used */ }
}());
