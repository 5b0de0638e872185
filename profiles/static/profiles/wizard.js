// The profile wizard: never lose typed data without asking, protocol-dependent rows, presets.
// Validation happens on the server; this only shows, hides and fills.
(function () {
  "use strict";
  var form = document.getElementById("wizard-form");
  if (!form) return;
  var dirty = false;
  var message = form.dataset.dirtyMessage;

  function markDirty() { dirty = true; }
  form.addEventListener("input", markDirty);
  form.addEventListener("change", markDirty);
  form.addEventListener("submit", function () { dirty = false; });

  // Links that leave the step (Back, the step indicator, breadcrumbs) ask first.
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[href]");
    if (!link || !dirty || link.target === "_blank") return;
    if (window.confirm(message)) {
      dirty = false;  // asked once; do not ask again in beforeunload
    } else {
      event.preventDefault();
    }
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) {
      event.preventDefault();
      event.returnValue = message;
    }
  });

  // Step 2: show the rows of the chosen protocol only.
  var radios = form.querySelectorAll('input[type="radio"][name$="-protocol"]');
  function showProtocol() {
    var chosen = form.querySelector('input[type="radio"][name$="-protocol"]:checked');
    if (!chosen) return;
    form.querySelectorAll("[data-protocol]").forEach(function (row) {
      row.hidden = row.dataset.protocol !== chosen.value;
    });
  }
  radios.forEach(function (radio) { radio.addEventListener("change", showProtocol); });
  showProtocol();

  // Presets (Kannel, Jasmin): fill the fields named in the button's data-* attributes.
  var prefix = form.dataset.step;
  form.querySelectorAll("button[data-preset]").forEach(function (button) {
    button.addEventListener("click", function () {
      Object.keys(button.dataset).forEach(function (key) {
        if (key === "preset") return;
        var name = prefix + "-" + key;
        var value = button.dataset[key];
        form.querySelectorAll('[name="' + name + '"]').forEach(function (input) {
          if (input.type === "radio") {
            input.checked = input.value === value;
          } else {
            input.value = value;
          }
        });
      });
      markDirty();
    });
  });
})();
