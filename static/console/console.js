// The menu's disclosure button at phone widths (the CSS collapses the menu only when JS runs).
(function () {
  document.addEventListener("click", function (evt) {
    var button = evt.target.closest && evt.target.closest(".navtoggle");
    if (!button) return;
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", open ? "true" : "false");
    document.getElementById(button.getAttribute("aria-controls")).classList.toggle("nav-open", open);
  });
})();

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
