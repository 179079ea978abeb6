// Small progressive enhancements; every page works without this file.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy-target]");
  if (!button) return;
  var field = document.getElementById(button.getAttribute("data-copy-target"));
  if (!field) return;
  field.select();
  var done = function () {
    var status = document.getElementById(button.getAttribute("data-copy-status"));
    if (status) status.textContent = "Gekopieerd.";
  };
  if (navigator.clipboard) { navigator.clipboard.writeText(field.value).then(done, done); } else { document.execCommand("copy"); done(); }
});
// After an htmx swap with errors, move focus to the error summary so screen readers hear it.
document.addEventListener("htmx:afterSettle", function () {
  var summary = document.getElementById("foutmeldingen");
  if (summary) summary.focus();
});
// Print buttons ([data-print]) are hidden until this script runs: without it, the browser's own print works.
function showPrintButtons(root) {
  (root || document).querySelectorAll("[data-print]").forEach(function (button) { button.hidden = false; });
}
document.addEventListener("DOMContentLoaded", function () { showPrintButtons(document); });
document.addEventListener("htmx:load", function (event) { showPrintButtons(event.target); });
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) window.print();
});
