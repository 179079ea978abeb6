// The child's page: an observation that does not reach the server (network gone, too slow, a server error)
// is shown plainly on its goal; what was typed stays in the form, so one more tap on "Opslaan" sends it again.
// A refused observation (422/409) comes back as the goal itself with its message and is swapped in as usual.
(function () {
  if (window.huiskamerVoortgang) return; // loaded again after a boosted page change
  window.huiskamerVoortgang = true;

  function cardOf(event) {
    var element = event.detail && event.detail.elt;
    return element && element.closest ? element.closest("[data-goal-card]") : null;
  }

  function show(card, text) {
    var box = card.querySelector("[data-problem]");
    if (!box) return;
    box.textContent = text;
    box.hidden = false;
    card.classList.add("has-problem");
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var card = cardOf(event);
    if (!card) return;
    var box = card.querySelector("[data-problem]");
    if (box) { box.hidden = true; box.textContent = ""; }
    card.classList.remove("has-problem");
  });
  document.addEventListener("htmx:sendError", function (event) {
    var card = cardOf(event);
    if (card) show(card, "Niet opgeslagen: er is geen verbinding. Tik opnieuw op ‘Opslaan’ zodra het netwerk terug is.");
  });
  document.addEventListener("htmx:timeout", function (event) {
    var card = cardOf(event);
    if (card) show(card, "Niet opgeslagen: het duurde te lang. Tik opnieuw op ‘Opslaan’.");
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var card = cardOf(event);
    var status = event.detail.xhr.status;
    if (!card || status < 400 || status === 409 || status === 422) return;
    event.detail.shouldSwap = false;
    show(card, status === 403 ? "Niet opgeslagen: de pagina is verlopen. Laad de pagina opnieuw." :
      "Niet opgeslagen: er ging iets mis aan onze kant (fout " + status + "). Tik opnieuw op ‘Opslaan’.");
  });
})();
