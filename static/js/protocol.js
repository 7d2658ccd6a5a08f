// The secretary's protocol page.
(function () {
  "use strict";
  // 409 (someone else saved first) and 422 (a rule refused) bring the row back with the message: swap them in.
  document.body.addEventListener("htmx:beforeSwap", function (e) {
    if (e.detail.xhr.status === 409 || e.detail.xhr.status === 422) { e.detail.shouldSwap = true; e.detail.isError = false; }
  });
  // GRD-01: the letter shown live as the percent is typed; the bands come from the page (#grade-scale).
  const scale = Array.from(document.querySelectorAll("#grade-scale li")).map(function (li) {
    return [Number(li.dataset.min), li.textContent];
  });
  document.body.addEventListener("input", function (e) {
    if (!e.target.classList.contains("percent")) return;
    const cell = e.target.closest("tr").querySelector(".letter");
    const v = parseFloat(e.target.value.replace(",", "."));
    if (isNaN(v) || v < 0 || v > 100) { cell.textContent = ""; return; }
    const p = Math.round(v);
    cell.textContent = (scale.find(function (b) { return p >= b[0]; }) || ["", ""])[1];
  });
})();
