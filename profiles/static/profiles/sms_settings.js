// SMS Settings: New opens a small dialog asking for the Profile Name.
(function () {
  "use strict";
  var dialog = document.getElementById("new-profile-dialog");
  var open = document.getElementById("new-profile-button");
  if (!dialog || !open) return;
  if (dialog.dataset.open) {
    dialog.removeAttribute("open");
    dialog.showModal();
  }
  open.addEventListener("click", function () {
    dialog.showModal();
    dialog.querySelector("input[type=text]").focus();
  });
  document.getElementById("new-profile-cancel").addEventListener("click", function () {
    dialog.close();
  });
})();
