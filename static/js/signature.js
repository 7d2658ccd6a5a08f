/* Signatures drawn on the screen (the representative's phone), for the violation acts of the monitoring.
   Each <canvas data-signature="ID"> writes a PNG data URL into the hidden input #ID when its form is submitted,
   if something was drawn; a button [data-signature-clear="ID"] wipes it. Pointer events cover finger, pen and mouse.
   No inline script: the page only loads this file. */
(function () {
  "use strict";

  function setUp(canvas) {
    var target = document.getElementById(canvas.dataset.signature);
    if (!target) { return; }
    var context = canvas.getContext("2d");
    var drawn = false;
    var drawing = false;

    function fit() {
      // The canvas keeps its drawing in device pixels; resizing wipes it, so only before anything is drawn.
      var ratio = window.devicePixelRatio || 1;
      var box = canvas.getBoundingClientRect();
      canvas.width = Math.max(1, Math.round(box.width * ratio));
      canvas.height = Math.max(1, Math.round(box.height * ratio));
      context.setTransform(ratio, 0, 0, ratio, 0, 0);
      context.lineWidth = 2.2;
      context.lineCap = "round";
      context.lineJoin = "round";
      context.strokeStyle = "#0b1f44";
    }

    function point(event) {
      var box = canvas.getBoundingClientRect();
      return { x: event.clientX - box.left, y: event.clientY - box.top };
    }

    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      drawing = true;
      var p = point(event);
      context.beginPath();
      context.moveTo(p.x, p.y);
      context.lineTo(p.x + 0.1, p.y + 0.1);
      context.stroke();
      drawn = true;
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) { return; }
      event.preventDefault();
      var p = point(event);
      context.lineTo(p.x, p.y);
      context.stroke();
    });
    ["pointerup", "pointercancel", "pointerleave"].forEach(function (name) {
      canvas.addEventListener(name, function () { drawing = false; });
    });

    var clear = document.querySelector('[data-signature-clear="' + canvas.dataset.signature + '"]');
    if (clear) {
      clear.addEventListener("click", function () {
        context.save();
        context.setTransform(1, 0, 0, 1, 0, 0);
        context.clearRect(0, 0, canvas.width, canvas.height);
        context.restore();
        drawn = false;
        target.value = "";
      });
    }
    window.addEventListener("resize", function () { if (!drawn) { fit(); } });
    if (canvas.form || canvas.closest("form")) {
      (canvas.form || canvas.closest("form")).addEventListener("submit", function () {
        target.value = drawn ? canvas.toDataURL("image/png") : "";
      });
    }
    fit();
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("canvas[data-signature]"), setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
