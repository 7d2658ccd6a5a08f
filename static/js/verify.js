// The public verification page: compare a PDF with the issued document's sha256, on the visitor's device.
(function () {
  "use strict";
  const input = document.getElementById("check-file");
  if (!input) return;
  input.addEventListener("change", async function (event) {
    const file = event.target.files[0]; if (!file) return;
    const digest = await crypto.subtle.digest("SHA-256", await file.arrayBuffer());
    const hex = Array.from(new Uint8Array(digest)).map(function (b) { return b.toString(16).padStart(2, "0"); }).join("");
    const same = hex === document.getElementById("sha256").textContent.trim();
    const out = document.getElementById("check-result");
    out.textContent = same ? out.dataset.same : out.dataset.different;
    out.className = same ? "mt-2 mb-0 text-success fw-bold" : "mt-2 mb-0 text-danger fw-bold";
  });
})();
