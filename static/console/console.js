// Toasts fade out; htmx responses can add toasts via the HX-Trigger "toast" event.
(function () {
  function fade(el) { setTimeout(function () { el.classList.add("toast-hide"); }, 6000); }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("#console-toasts .toast").forEach(fade);
  });
  document.addEventListener("toast", function (evt) {
    var box = document.getElementById("console-toasts");
    if (!box) return;
    var el = document.createElement("div");
    el.className = "toast toast-" + (evt.detail.level || "info");
    el.textContent = evt.detail.message || evt.detail.value || "";
    box.appendChild(el);
    fade(el);
  });
})();
