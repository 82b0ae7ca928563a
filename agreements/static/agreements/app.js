/* Small progressive enhancements; every page works without this file.
   - On a phone, the list's filter panel starts folded (it is open without JS).
   - A submitted form's buttons are disabled, so a double click posts once.
   - A file over the upload limit is reported before it is sent.
   - A confirmation shown beside the section just changed takes the focus (screen readers read it,
     the next Tab continues from there). */
(function () {
  "use strict";

  function foldFiltersOnNarrowScreens() {
    if (!window.matchMedia("(max-width: 860px)").matches) return;
    document.querySelectorAll("details[data-collapse-narrow]").forEach(function (details) {
      if (!details.querySelector(".alert")) details.open = false;
    });
  }

  function preventDoubleSubmit() {
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (form.method.toLowerCase() !== "post") return;
      if (form.dataset.submitted) { event.preventDefault(); return; }
      form.dataset.submitted = "1";
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.setAttribute("aria-disabled", "true");
      });
    });
  }

  function checkFileSize() {
    document.querySelectorAll("input[type=file][data-max-bytes]").forEach(function (input) {
      input.addEventListener("change", function () {
        var limit = parseInt(input.dataset.maxBytes, 10);
        var file = input.files && input.files[0];
        input.setCustomValidity(file && file.size > limit ? input.dataset.tooLarge : "");
        input.reportValidity();
      });
    });
  }

  function focusPlacedMessage() {
    var region = document.querySelector("[data-focus-on-load]");
    if (region) region.focus({ preventScroll: false });
  }

  function ready() {
    foldFiltersOnNarrowScreens();
    focusPlacedMessage();
    preventDoubleSubmit();
    checkFileSize();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
