/* The tracker's additions to Django's admin, for screen readers (WCAG 2.1 AA). Django's widgets
   built by JavaScript (the autocomplete's select2 boxes, the focus areas' two-list filter) have no
   accessible names; this names them after the field's own <label>, as they appear. */
(function () {
  "use strict";
  function labelOf(select) {
    if (!select || !select.id) return null;
    return document.querySelector('label[for="' + select.id + '"]');
  }
  function nameOf(select) {
    if (select.getAttribute("aria-label")) return select.getAttribute("aria-label");
    var label = labelOf(select);
    return label ? label.textContent.replace(/:\s*$/, "").trim() : "";
  }
  function fix(root) {
    root.querySelectorAll("select.admin-autocomplete, select[data-autocomplete-url]").forEach(function (select) {
      var box = select.nextElementSibling;
      if (!box || !box.classList.contains("select2")) return;
      var name = nameOf(select);
      box.querySelectorAll('[role="combobox"]').forEach(function (combo) {
        if (combo.getAttribute("aria-label") !== name) combo.setAttribute("aria-label", name);
        combo.removeAttribute("aria-labelledby");
      });
      box.querySelectorAll(".select2-selection__rendered[role='textbox']").forEach(function (text) {
        if (!text.getAttribute("aria-label")) text.setAttribute("aria-label", name);
      });
      box.querySelectorAll(".select2-search__field").forEach(function (field) {
        if (!field.getAttribute("aria-label")) field.setAttribute("aria-label", name);
      });
      // select2 puts its "clear" cross inside the list of choices: moved beside the list.
      box.querySelectorAll("ul.select2-selection__rendered > :not(li)").forEach(function (extra) {
        extra.parentNode.parentNode.insertBefore(extra, extra.parentNode);
      });
    });
    // The open dropdown's search box (appended at the end of the page).
    var open = document.querySelector(".select2-container--open [role='combobox'][aria-label]");
    document.querySelectorAll(".select2-container--open .select2-search__field").forEach(function (field) {
      if (open && !field.getAttribute("aria-label")) field.setAttribute("aria-label", open.getAttribute("aria-label"));
    });
    // Django's date and time fields warn "You are 5 hours behind server time" when the browser's
    // clock zone differs: the admin shows and reads times in the person's own zone (their
    // preferences), so the hint says that zone instead.
    var zone = document.getElementById("tracker-zone-note");
    if (zone) {
      root.querySelectorAll(".timezonewarning").forEach(function (warning) {
        if (warning.textContent !== zone.textContent) warning.textContent = zone.textContent;
      });
    }
    // The two-list filter's magnifier is a <span aria-label>: an image with a name.
    root.querySelectorAll(".search-label-icon[aria-label]:not([role])").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
  }
  var pending = false;
  function schedule() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () { pending = false; fix(document); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    fix(document);
    new MutationObserver(schedule).observe(document.body, { childList: true, subtree: true });
  });
})();
