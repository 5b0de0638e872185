// Alt+S on any admin page opens the SMS Settings dialog (as the product documentation says).
(function () {
  "use strict";
  var script = document.currentScript;
  var url = script && script.dataset.smsSettingsUrl;
  if (!url) return;
  document.addEventListener("keydown", function (event) {
    // event.code, not event.key: Alt+S types "ß" or "ś" on some keyboard layouts.
    if (event.altKey && !event.ctrlKey && !event.metaKey && event.code === "KeyS") {
      event.preventDefault();
      window.location.assign(url);
    }
  });
  var link = document.querySelector('a[href="' + url + '"]');
  if (link) {
    link.setAttribute("aria-keyshortcuts", "Alt+S");
    link.title = script.dataset.hint;
  }
})();
