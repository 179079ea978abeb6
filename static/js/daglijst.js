// The day list: a tap that does not reach the server (network gone, too slow) or that the server could not handle
// stays visible on that child's row, with a button that sends the same tap again. Nothing is lost silently.
// A refused tap (409/422) comes back as the row itself with its message (header X-Daglijst-Rij) and is swapped in.
(function () {
  if (window.huiskamerDaglijst) return; // loaded again after a boosted page change
  window.huiskamerDaglijst = true;

  function rowOf(element) {
    return element && element.closest ? element.closest("[data-child-row]") : null;
  }

  function labelOf(button) {
    var text = (button.textContent || "").replace(/\s+/g, " ").trim();
    return text.replace(/\s*\([^)]*\)\s*$/, "");
  }

  function showFailure(button, reason) {
    var row = rowOf(button);
    if (!row) return;
    var box = row.querySelector("[data-problem]");
    if (!box) return;
    box.textContent = "";
    var message = document.createElement("p");
    message.textContent = "Niet opgeslagen: ‘" + labelOf(button) + "’. " + reason;
    var retry = document.createElement("button");
    retry.type = "button";
    retry.className = "button retry";
    retry.textContent = "Opnieuw proberen";
    retry.addEventListener("click", function () {
      box.hidden = true;
      row.classList.remove("has-problem");
      button.focus(); // htmx puts the focus back on it (by its id) in the new row
      button.click();
    });
    box.appendChild(message);
    box.appendChild(retry);
    box.hidden = false;
    row.classList.add("has-problem");
  }

  function inDayList(event) {
    return rowOf(event.detail && event.detail.elt);
  }

  document.addEventListener("htmx:sendError", function (event) {
    if (inDayList(event)) showFailure(event.detail.elt, "Er is geen verbinding. Tik opnieuw zodra het netwerk terug is.");
  });
  document.addEventListener("htmx:timeout", function (event) {
    if (inDayList(event)) showFailure(event.detail.elt, "Het duurde te lang. Probeer het opnieuw.");
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (!inDayList(event)) return;
    var xhr = event.detail.xhr;
    if (xhr.status >= 400 && !xhr.getResponseHeader("X-Daglijst-Rij")) {
      event.detail.shouldSwap = false;
      var reason = xhr.status === 403 ? "De pagina is verlopen: laad de daglijst opnieuw." :
        "Er ging iets mis aan onze kant (fout " + xhr.status + "). Probeer het opnieuw.";
      showFailure(event.detail.elt, reason);
    }
  });
})();
