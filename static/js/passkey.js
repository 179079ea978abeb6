// Passkeys (WebAuthn) for the second factor: a form with data-passkey="create" (add one) or "get" (log in) holds
// the server's options in data-options. On submit the browser asks the authenticator; its answer goes into the
// hidden "credential" field and the form is posted as any other (the server checks everything). Without WebAuthn
// the form says so and the other ways (app, recovery code) remain.
(function () {
  "use strict";

  function say(form, message) {
    var status = form.querySelector(".passkey-status");
    if (status) { status.textContent = message; }
  }

  function supported() {
    return window.PublicKeyCredential &&
      typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function" &&
      typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function";
  }

  function ceremony(form) {
    var options = JSON.parse(form.dataset.options);
    if (form.dataset.passkey === "create") {
      return navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options) });
    }
    return navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) });
  }

  document.querySelectorAll("form[data-passkey]").forEach(function (form) {
    if (!supported()) {
      say(form, "Deze browser kan geen passkeys gebruiken. Kies een andere manier.");
      form.querySelectorAll("button[type=submit]").forEach(function (button) { button.disabled = true; });
      return;
    }
    form.addEventListener("submit", function (event) {
      var field = form.querySelector("input[name=credential]");
      if (field.value) { return; }  // the answer is in: post it
      event.preventDefault();
      say(form, "Volg de aanwijzingen van uw telefoon, computer of sleutel…");
      ceremony(form).then(function (credential) {
        field.value = JSON.stringify(credential.toJSON());
        say(form, "Gelukt, even geduld…");
        form.submit();
      }).catch(function () {
        say(form, "Dat lukte niet of is afgebroken. Probeer het opnieuw, of kies een andere manier.");
      });
    });
  });
})();
