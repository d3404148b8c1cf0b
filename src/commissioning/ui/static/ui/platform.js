// Behaviour the pages need beyond htmx, attached by data attributes: the Content Security
// Policy allows no inline event handlers.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-print]");
  if (button) {
    window.print();
  }
});

// A printed page holds everything: sections folded away on screen open for the printer.
window.addEventListener("beforeprint", function () {
  document.querySelectorAll("details[data-print-open]").forEach(function (details) {
    details.open = true;
  });
});
