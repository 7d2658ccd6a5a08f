// Behaviour shared by every page, kept out of the HTML: the Content-Security-Policy runs no inline script.
(function () {
  "use strict";
  // A select marked data-autosubmit sends its form when changed (the group pickers).
  document.addEventListener("change", function (event) {
    if (event.target.matches("select[data-autosubmit]")) event.target.form.requestSubmit();
  });
  // Progress bars carry their width as data-width (an inline style attribute would be refused by the policy).
  function widths(root) {
    root.querySelectorAll(".progress-bar[data-width]").forEach(function (bar) {
      bar.style.width = Math.max(0, Math.min(100, Number(bar.dataset.width) || 0)) + "%";
    });
  }
  document.addEventListener("DOMContentLoaded", function () { widths(document); });
  document.addEventListener("htmx:afterSettle", function (event) { widths(event.target.parentElement || document); });
})();
