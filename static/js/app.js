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
// A search inside a bigger form ([data-enter-searches], the intake's brothers and sisters): Enter searches there at
// once (htmx listens for "search") instead of sending the whole form. Without this file Enter presses the form's
// first button, which is that search's own "Zoeken".
document.addEventListener("keydown", function (event) {
  var field = event.target;
  if (event.key !== "Enter" || !field.matches || !field.matches("[data-enter-searches]")) return;
  event.preventDefault();
  if (window.htmx) window.htmx.trigger(field, "search");
});
// A choice made while such a search is on its way stays chosen: the answer would rebuild the choices as they were
// when it was asked for, so it is dropped (a queued search then asks again, with the new choice).
document.addEventListener("change", function (event) {
  var box = event.target.closest ? event.target.closest("[data-results-of]") : null;
  var field = box ? document.getElementById(box.getAttribute("data-results-of")) : null;
  if (field && window.htmx) window.htmx.trigger(field, "htmx:abort");
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

// --- Offline use of the day list -------------------------------------------------------------------------
// The service worker (/sw.js) keeps today's day lists of the logged-in user; taps made without a connection
// wait on the phone (IndexedDB, below) until daglijst.js sends them. Both belong to one user: when someone else
// logs in on this phone, or at log-out, they are wiped.
window.huiskamerOpslag = (function () {
  var DB = "huiskamer", TAPS = "tikken", META = "over";
  var opening = null;
  var memory = {taps: {}, meta: {}};  // without IndexedDB (a private window, an old browser): this page only

  function open() {
    if (!window.indexedDB) return Promise.reject(new Error("geen IndexedDB"));
    if (!opening) {
      opening = new Promise(function (resolve, reject) {
        var request = indexedDB.open(DB, 1);
        request.onupgradeneeded = function () {
          request.result.createObjectStore(TAPS, {keyPath: "id"});
          request.result.createObjectStore(META);
        };
        request.onsuccess = function () {
          var db = request.result;
          db.onversionchange = function () { db.close(); opening = null; };  // a wipe (Clear-Site-Data) may go on
          resolve(db);
        };
        request.onerror = function () { opening = null; reject(request.error); };
      });
    }
    return opening;
  }

  function run(store, mode, work, fallback) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(store, mode);
        var request = work(transaction.objectStore(store));
        transaction.oncomplete = function () { resolve(request ? request.result : undefined); };
        transaction.onerror = transaction.onabort = function () { reject(transaction.error); };
      });
    }, function () { return fallback(); });
  }

  function values(map) { return Object.keys(map).map(function (key) { return map[key]; }); }

  return {
    taps: function () {
      return run(TAPS, "readonly", function (store) { return store.getAll(); }, function () {
        return values(memory.taps);
      }).then(function (list) { return (list || []).sort(function (a, b) { return a.seq - b.seq; }); });
    },
    put: function (tap) {
      return run(TAPS, "readwrite", function (store) { return store.put(tap); }, function () {
        memory.taps[tap.id] = tap;
      });
    },
    remove: function (id) {
      return run(TAPS, "readwrite", function (store) { return store.delete(id); }, function () {
        delete memory.taps[id];
      });
    },
    owner: function () {
      return run(META, "readonly", function (store) { return store.get("eigenaar"); }, function () {
        return memory.meta.eigenaar;
      });
    },
    setOwner: function (user) {
      return run(META, "readwrite", function (store) { return store.put(user, "eigenaar"); }, function () {
        memory.meta.eigenaar = user;
      });
    },
    clear: function () {
      memory = {taps: {}, meta: {}};
      return Promise.all([
        run(TAPS, "readwrite", function (store) { return store.clear(); }, function () {}),
        run(META, "readwrite", function (store) { return store.clear(); }, function () {})
      ]);
    }
  };
})();

(function () {
  var store = window.huiskamerOpslag;

  function currentUser() {
    var marked = document.querySelector("[data-user]");
    return marked ? marked.getAttribute("data-user") : null;
  }

  function tellWorker(message) {
    if (!("serviceWorker" in navigator)) return Promise.resolve();
    return navigator.serviceWorker.ready.then(function (registration) {
      if (!registration.active) return null;
      return new Promise(function (resolve) {
        var channel = new MessageChannel();
        channel.port1.onmessage = function () { resolve(); };
        registration.active.postMessage(message, [channel.port2]);
        setTimeout(resolve, 2000);
      });
    });
  }

  // Everything this phone keeps of the day list: the stored lists and the taps (also those not sent).
  function forgetEverything() {
    var lists = window.caches ? caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) { return name.indexOf("hk-lijsten|") === 0; })
        .map(function (name) { return caches.delete(name); }));
    }) : Promise.resolve();
    return Promise.all([store.clear(), lists, tellWorker({type: "wipe"})]).catch(function () {});
  }
  window.huiskamerVergeet = forgetEverything;

  // The phone's lists and taps belong to who is logged in now; someone else's go before anything is shown.
  function claim() {
    var user = currentUser();
    if (!user) {
      if (/[?&]uitgelogd=1/.test(location.search)) forgetEverything();
      return;
    }
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register("/sw.js").catch(function () {});
    }
    store.owner().then(function (owner) {
      if (owner === user) return null;
      return (owner ? forgetEverything() : Promise.resolve()).then(function () { return store.setOwner(user); });
    }).then(function () { tellWorker({type: "owner", user: user}); }).catch(function () {});
  }
  document.addEventListener("DOMContentLoaded", claim);
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.target === document.body || (event.target.querySelector && event.target.querySelector("[data-user]"))) claim();
  });

  // Log-out: taps not sent yet are named first; then everything is wiped before the form goes (the server's
  // answer says Clear-Site-Data too).
  document.addEventListener("submit", function (event) {
    var form = event.target.closest ? event.target.closest("[data-logout]") : null;
    if (!form) return;
    event.preventDefault();
    event.stopPropagation();
    var user = currentUser();
    store.taps().then(function (taps) {
      var unsent = taps.filter(function (tap) { return tap.state === "queued" && tap.user === user; }).length;
      if (unsent && !window.confirm(unsent + (unsent === 1 ? " tik is" : " tikken zijn") +
          " nog niet verstuurd. Als u nu uitlogt, gaan ze verloren. Toch uitloggen?")) return null;
      return forgetEverything().then(function () { form.submit(); });
    }, function () { form.submit(); });
  }, true);

  // A boosted link that finds no network: a real navigation instead, which the service worker can answer.
  document.addEventListener("htmx:sendError", function (event) {
    var detail = event.detail || {};
    var config = detail.requestConfig || {};
    if (config.verb === "get" && detail.boosted && config.path) window.location.href = config.path;
  });

  // On a phone the menu starts folded (it is a <details>); keep it so after a boosted page change.
  document.addEventListener("htmx:afterSettle", function () {
    var menu = document.querySelector(".site-menu");
    if (menu && window.matchMedia("(max-width: 47.99rem)").matches) menu.open = false;
  });
})();

// --- The idle timeout ------------------------------------------------------------------------------------
// A session ends after data-session-idle seconds without a request. A few minutes before, a warning offers to
// stay logged in; every request (a page, an htmx swap, a tap) starts the count again. The server notes a use to
// the minute, so the warning comes early enough for that.
(function () {
  var idle = Number(document.body.getAttribute("data-session-idle") || 0);
  var box = document.getElementById("sessie-melding");
  if (!idle || !box) return;
  var warnBefore = Math.min(180, idle / 3) * 1000, endBefore = 60 * 1000;
  var lastUse = Date.now(), ended = false;
  var again = box.querySelector("[data-session-text=ended] a");
  if (again) again.href = "/inloggen?volgende=" + encodeURIComponent(location.pathname + location.search);
  function show(which) {
    box.hidden = which === null;
    box.querySelectorAll("[data-session-text]").forEach(function (p) { p.hidden = p.getAttribute("data-session-text") !== which; });
    box.querySelector("[data-session-stay]").hidden = which !== "soon";
  }
  function used() { if (!ended) { lastUse = Date.now(); show(null); } }
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.xhr && event.detail.xhr.status !== 401) used();
  });
  box.querySelector("[data-session-stay]").addEventListener("click", function () {
    var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
    fetch("/sessie/verlengen", {method: "POST", headers: headers, credentials: "same-origin", redirect: "manual"})
      .then(function (response) { if (response.status === 204) used(); else { ended = true; show("ended"); } })
      .catch(function () { /* offline: the warning stays, the next try may work */ });
  });
  setInterval(function () {
    var left = idle * 1000 - (Date.now() - lastUse);
    if (left <= endBefore) { ended = true; show("ended"); }
    else if (left <= warnBefore) show("soon");
  }, 5000);
})();

// --- A form sent after the session ended -----------------------------------------------------------------
// The server kept what was typed (auth/kept_forms.py) and, after the log-in, sends the person back to the form's
// page with #formulier=ID: fetch the fields once and put them back in the form that was sent.
(function () {
  var match = /^#formulier=([0-9a-f-]{36})$/.exec(location.hash);
  if (!match) return;
  history.replaceState(null, "", location.pathname + location.search);
  fetch("/formulier/" + match[1], {credentials: "same-origin", headers: {"Accept": "application/json"}})
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (kept) {
      if (!kept) return;
      var forms = Array.prototype.filter.call(document.forms, function (form) {
        return form.method === "post" && new URL(form.action, location.href).pathname === kept.action;
      });
      var form = forms[0];
      if (!form) return;
      Object.keys(kept.fields).forEach(function (name) {
        var values = [].concat(kept.fields[name]);
        Array.prototype.forEach.call(form.elements, function (field) {
          if (field.name !== name) return;
          if (field.type === "checkbox" || field.type === "radio") field.checked = values.indexOf(field.value) !== -1;
          else if (field.tagName === "SELECT" && field.multiple) {
            Array.prototype.forEach.call(field.options, function (o) { o.selected = values.indexOf(o.value) !== -1; });
          } else if (field.type !== "hidden" && field.type !== "file") field.value = values[0];
        });
      });
      var details = form.closest("details");
      if (details) details.open = true;
      var notice = document.createElement("div");
      notice.className = "notice";
      notice.setAttribute("role", "status");
      notice.tabIndex = -1;
      notice.textContent = "Wat u typte, staat er weer. Controleer het en verstuur het opnieuw.";
      form.insertBefore(notice, form.firstChild);
      notice.focus();
    });
})();
