// The day list on a phone in a busy room. Every page works without this file (the list is one plain form);
// with it:
// - a tap is shown on its row at once, kept on the phone (IndexedDB, window.huiskamerOpslag) with a tap id and
//   the phone's time, and sent in order by itself: now, when the connection returns, and at every page load.
//   The server stores each tap id once and lets the latest tap stand, so a tap sent twice or late does no harm.
//   A reload without a connection shows the list the service worker kept, with the phone's own later taps on it.
// - the search box and the filters show and hide rows as one types, without asking the server;
// - a collector not on the list of who may collect the child asks for a confirmation first (the server raises
//   a concern for the coordinator when it is stored).
(function () {
  "use strict";
  if (window.huiskamerDaglijst) return;  // loaded again by a boosted page change: htmx:afterSettle starts it
  var store = window.huiskamerOpslag;
  var BUTTONS = ["mark", "pickup", "times", "confirm"];
  var words = {status: {}, reasons: {}, marks: {}};
  var sending = false;
  var blocked = null;      // why sending stopped until the page is loaded again: "login" or "verlopen"
  var offline = false;
  var retryTimer = null;
  var retryDelay = 2000;
  var refreshTimer = null;
  var sequence = 0;

  var clock = new Intl.DateTimeFormat("nl-NL", {timeZone: "Europe/Amsterdam", hour: "2-digit", minute: "2-digit"});
  var calendar = new Intl.DateTimeFormat("sv-SE", {timeZone: "Europe/Amsterdam", year: "numeric", month: "2-digit", day: "2-digit"});

  function sheet() { return document.querySelector("[data-day-sheet]"); }
  function rowOf(placement) { return document.getElementById("k-" + placement); }
  function currentUser() {
    var marked = document.querySelector("[data-user]");
    return marked ? marked.getAttribute("data-user") : null;
  }
  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["x-csrftoken"] || ""; } catch (e) { return ""; }
  }
  function newTapId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 15) | 64;
    bytes[8] = (bytes[8] & 63) | 128;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  // --- names as the server compares them (huiskamer/text.py): case, accents and punctuation ignored --------
  var PLAIN = {"ı": "i", "ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th"};
  function fold(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[ıøæœłđðþ]/g, function (ch) { return PLAIN[ch]; });
  }
  function nameWords(text) { return fold(text).match(/[\p{L}\p{N}]+/gu) || []; }
  function sameWords(a, b) { return a.length === b.length && a.every(function (w, i) { return w === b[i]; }); }

  // The same rule as attendance/rules.py check_pickup: null when the collector may collect the child. The allowed
  // persons are the row's one-tap pickup buttons; without them (another day) the server warns instead.
  function pickupWarning(row, collector) {
    var buttons = row.querySelectorAll("button[name=pickup]");
    if (!buttons.length) return null;
    var allowed = Array.prototype.map.call(buttons, function (b) { return b.value.slice(b.value.indexOf(":") + 1); });
    var refusedList = row.querySelector("[data-refused]");
    var refused = refusedList ? JSON.parse(refusedList.getAttribute("data-persons") || "[]") : [];
    var given = row.querySelector("summary > b").textContent.split(" ")[0];
    var words = nameWords(collector);
    var match = null;
    refused.forEach(function (entry) { if (!match && sameWords(nameWords(entry), words)) match = entry; });
    if (!match && allowed.some(function (person) { return sameWords(nameWords(person), words); })) return null;
    refused.forEach(function (entry) {
      var entryWords = nameWords(entry);
      if (!match && entryWords.length && entryWords.every(function (w) { return words.indexOf(w) >= 0; })) match = entry;
    });
    if (match) {
      return "Let op: " + collector + " mag " + given + " niet ophalen (op de lijst ‘mag niet ophalen’: " + match +
        "). De coördinator krijgt meteen een signaal.";
    }
    return "Let op: " + collector + " staat niet op de lijst van wie " + given + " mag ophalen. " +
      "De coördinator krijgt meteen een signaal.";
  }

  // --- a row's state, read from and written to the row itself ---------------------------------------------
  // A row's fields are named "<letter>-<key>" (attendance/schemas.py ROW_FIELDS).
  var LETTERS = {arrived_at: "a", left_at: "l", collected_by: "c"};
  function field(row, name) {
    return row.querySelector("[name='" + LETTERS[name] + "-" + row.id.slice(2) + "']");
  }
  function statusOf(row) {
    var match = /\bs-(\S+)/.exec(row.className);
    return match ? match[1] : "unknown";
  }
  function readState(row) {
    var pressed = row.querySelector(".km button[aria-pressed=true]");
    var reason = null;
    if (pressed && statusOf(row) === "absent_excused") {
      reason = words.marks[pressed.value.split(":")[1]][1];
    }
    return {
      status: statusOf(row),
      reason: reason,
      arrived: field(row, "arrived_at").value,
      left: field(row, "left_at").value,
      collected: field(row, "collected_by").value
    };
  }
  function statusLine(state) {
    if (state.status === "present") {
      if (state.left) return "weg " + state.left + (state.collected ? " met " + state.collected : "");
      return "aanwezig" + (state.arrived ? " sinds " + state.arrived : "");
    }
    if (state.status === "absent_excused") return "afwezig: " + (words.reasons[state.reason] || "met bericht");
    return words.status[state.status] || state.status;
  }
  function counted(status) {
    if (status === "present") return "present";
    if (status === "absent_excused" || status === "absent_unexcused") return "absent";
    return "unknown";
  }
  function bump(kind, by) {
    var figure = document.querySelector("[data-count=" + kind + "]");
    if (figure) figure.textContent = String(Math.max(0, parseInt(figure.textContent, 10) + by));
  }
  function render(row, state) {
    var before = statusOf(row);
    if (counted(before) !== counted(state.status)) {
      bump(counted(before), -1);
      bump(counted(state.status), 1);
    }
    row.className = row.className.replace(/\bs-\S+/, "s-" + state.status);
    row.querySelector(".ks").textContent = statusLine(state);
    row.querySelector(".kp").setAttribute("aria-pressed", state.status === "present" ? "true" : "false");
    Array.prototype.forEach.call(row.querySelectorAll(".km button"), function (button) {
      var code = button.value.split(":")[1];
      if (code === "unknown") { button.hidden = state.status === "unknown"; return; }
      var mark = words.marks[code];
      var chosen = mark[0] === state.status && (state.status !== "absent_excused" || mark[1] === state.reason);
      button.setAttribute("aria-pressed", chosen ? "true" : "false");
    });
    row.querySelector(".kt").hidden = state.status !== "present";
    field(row, "arrived_at").value = state.status === "present" ? state.arrived || "" : "";
    field(row, "left_at").value = state.status === "present" ? state.left || "" : "";
    field(row, "collected_by").value = state.status === "present" ? state.collected || "" : "";
    var pickup = row.querySelector(".kt-p");
    if (pickup) pickup.hidden = !!state.left;
    filterRows();
  }

  // What a tap does to its row before the server answers: the server's rules, as far as a row shows them.
  function applyTap(row, tap) {
    var state = readState(row);
    var moment = new Date(tap.tapped_at);
    var onTheDay = calendar.format(moment) === tap.day;
    var name = BUTTONS.filter(function (key) { return key in tap.fields; })[0];
    var value = tap.fields[name];
    var rest = value.slice(value.indexOf(":") + 1);
    if (name === "mark") {
      var mark = words.marks[rest];
      if (mark[0] === "unknown") {
        state = {status: "unknown", reason: null, arrived: "", left: "", collected: ""};
      } else if (mark[0] !== "present") {
        state = {status: mark[0], reason: mark[1], arrived: "", left: "", collected: ""};
      } else if (state.status !== "present") {
        state = {status: "present", reason: null, arrived: onTheDay ? clock.format(moment) : "", left: "", collected: ""};
      }
    } else if (name === "pickup") {
      state.left = clock.format(moment);
      state.collected = rest;
    } else {
      var key = row.id.slice(2);
      ["arrived_at", "left_at", "collected_by"].forEach(function (name) {
        var typed = tap.fields[LETTERS[name] + "-" + key];
        if (typed === undefined) return;
        if (name === "arrived_at") state.arrived = typed;
        else if (name === "left_at") state.left = typed;
        else state.collected = typed;
      });
      // Someone collected the child and no time was typed: the moment of the tap (as the server does).
      if (state.collected && !state.left && onTheDay) state.left = clock.format(moment);
    }
    render(row, state);
    row.setAttribute("data-t", String(Date.parse(tap.tapped_at)));
    row.setAttribute("data-collected", state.collected || "");  // a collector once confirmed is not asked again
    return state;
  }

  // --- taps: made, shown, kept, sent ----------------------------------------------------------------------
  function tapFrom(button, confirmed) {
    var form = sheet();
    var row = button.closest(".kid");
    var placement = row.id.slice(2);
    var fields = {};
    fields[button.name] = button.value;
    if (button.name === "times" || button.name === "confirm") {
      ["arrived_at", "left_at", "collected_by"].forEach(function (name) {
        var input = field(row, name);
        if (input) fields[input.name] = input.value;
      });
    }
    if (confirmed) {
      delete fields.times;
      fields.confirm = placement;
    }
    return {
      id: newTapId(),
      seq: Date.now() * 1000 + (sequence++ % 1000),
      user: currentUser(),
      url: form.getAttribute("action"),
      day: form.getAttribute("data-day"),
      placement: placement,
      fields: fields,
      tapped_at: new Date().toISOString(),
      state: "queued"
    };
  }

  function announce(text) {
    var region = document.querySelector("[data-announce]");
    if (region) region.textContent = text;
  }

  function tap(button, confirmed) {
    var row = button.closest(".kid");
    var item = tapFrom(button, confirmed);
    clearProblem(row);
    var state = applyTap(row, item);
    var given = row.querySelector("summary > b").textContent.split(" ")[0];
    announce(given + ": " + statusLine(state) + ".");
    var form = sheet();
    form.setAttribute("data-unsent", String(Number(form.getAttribute("data-unsent") || 0) + 1));
    store.put(item).then(drain, function () { drain(); }).then(showQueue);
  }

  function clearProblem(row) {
    Array.prototype.forEach.call(row.querySelectorAll("[data-problem]"), function (box) { box.remove(); });
    row.classList.remove("has-problem");
  }

  function showProblem(row, text, confirmButton) {
    clearProblem(row);
    var box = document.createElement("p");
    box.className = "row-problem";
    box.setAttribute("role", "alert");
    box.setAttribute("data-problem", "");
    box.textContent = text + " ";
    if (confirmButton) {
      var yes = document.createElement("button");
      yes.type = "button";
      yes.className = "button danger";
      yes.textContent = "Toch vastleggen";
      yes.addEventListener("click", function () { tap(confirmButton, true); });
      var no = document.createElement("button");
      no.type = "button";
      no.className = "button secondary";
      no.textContent = "Annuleren";
      no.addEventListener("click", function () { clearProblem(row); field(row, "collected_by").focus(); });
      box.appendChild(yes);
      box.appendChild(document.createTextNode(" "));
      box.appendChild(no);
    }
    row.querySelector(".kb").insertBefore(box, row.querySelector(".kb").firstChild);
    row.classList.add("has-problem");
    row.querySelector("details").open = true;
    (box.querySelector("button") || box).focus && (box.querySelector("button") || box).focus();
  }

  function showQueue() {
    var box = document.querySelector("[data-queue]");
    if (!box) return Promise.resolve();
    var user = currentUser();
    return store.taps().then(function (taps) {
      var waiting = taps.filter(function (item) { return item.state === "queued" && item.user === user; }).length;
      // How many taps wait, also for whoever watches the page (tests wait for 0; the box may be hidden anyway).
      if (sheet() && !sending) sheet().setAttribute("data-unsent", String(waiting));
      var text = "";
      if (waiting) {
        text = waiting + (waiting === 1 ? " tik nog niet verstuurd" : " tikken nog niet verstuurd");
        if (blocked === "login") text += ". Log opnieuw in om ze te versturen.";
        else if (blocked === "verlopen") text += ". Laad de daglijst opnieuw om ze te versturen.";
        else if (offline) text += " · geen verbinding: ze gaan vanzelf zodra er netwerk is.";
        else text += ".";
      }
      box.textContent = text;
      box.hidden = !text;
      box.classList.toggle("queue-blocked", !!blocked);
      if (blocked === "login" && waiting) {
        var link = document.createElement("a");
        link.href = "/inloggen?volgende=" + encodeURIComponent(location.pathname);
        link.textContent = " Inloggen";
        box.appendChild(link);
      }
    }).catch(function () {});
  }

  function retryLater() {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(drain, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 30000);
  }

  // The server's line for a child replaces the phone's, unless a later tap of this phone still waits for it
  // or someone is typing in it.
  function takeServerRow(placement, html, later) {
    var row = rowOf(placement);
    if (!row || later) return;
    var active = document.activeElement;
    if (active && row.contains(active) && active.tagName === "INPUT") return;
    var holder = document.createElement("ul");
    holder.innerHTML = html.trim();
    var fresh = holder.querySelector(".kid");
    if (!fresh) return;
    var wasOpen = row.querySelector("details").open;
    var focused = active && row.contains(active) && active.name ? [active.name, active.value] : null;
    if (wasOpen) fresh.querySelector("details").open = true;
    fresh.hidden = row.hidden;
    var before = counted(statusOf(row)), after = counted(statusOf(fresh));
    if (before !== after) { bump(before, -1); bump(after, 1); }
    row.replaceWith(fresh);
    fresh.setAttribute("data-collected", field(fresh, "collected_by").value);
    if (focused) {
      var again = fresh.querySelector("button[name='" + focused[0] + "'][value='" + CSS.escape(focused[1]) + "']");
      if (again) again.focus();
    }
    filterRows();
  }

  function send(item) {
    var body = new URLSearchParams(item.fields);
    body.set("tap_id", item.id);
    body.set("tapped_at", item.tapped_at);
    return fetch(item.url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      redirect: "manual",
      headers: {"x-csrftoken": csrfToken(), "HX-Request": "true"}
    }).then(function (response) {
      offline = false;
      if (response.headers.get("X-Daglijst-Rij")) {
        // 204: stored exactly as the row shows it; otherwise the row as it now stands (or why it was refused).
        return response.text().then(function (html) {
          var said = response.headers.get("X-Daglijst-Melding");
          if (said && response.ok) announce(decodeURIComponent(said));
          return {outcome: response.ok ? "sent" : "refused", html: html};
        });
      }
      if (response.type === "opaqueredirect" || response.status === 401 || response.headers.get("HX-Redirect")) {
        return {outcome: "login"};
      }
      if (response.status === 403) return {outcome: "verlopen"};
      if (response.status === 404) return {outcome: "refused", html: null};
      return {outcome: "retry"};
    }, function () {
      offline = true;
      return {outcome: "retry"};
    });
  }

  function sendAll() {
    var user = currentUser();
    return store.taps().then(function (taps) {
      var waiting = taps.filter(function (item) { return item.state === "queued" && item.user === user; });
      if (!waiting.length) {
        retryDelay = 2000;
        scheduleRefresh();
        return null;
      }
      var item = waiting[0];
      return send(item).then(function (answer) {
        if (answer.outcome === "login" || answer.outcome === "verlopen") {
          blocked = answer.outcome;
          return null;
        }
        if (answer.outcome === "retry") {
          retryLater();
          return null;
        }
        var later = waiting.slice(1).some(function (other) { return other.placement === item.placement; });
        var kept = answer.outcome === "sent" ? store.put(Object.assign({}, item, {state: "sent"})) : store.remove(item.id);
        return kept.then(function () {
          if (answer.html && answer.html.trim()) takeServerRow(item.placement, answer.html, later);
          else if (answer.outcome === "refused" && rowOf(item.placement)) {
            showProblem(rowOf(item.placement), "Niet opgeslagen: dit kind staat niet (meer) op deze lijst.");
          }
          return sendAll();
        });
      });
    });
  }

  function drain() {
    if (sending || blocked) return Promise.resolve();
    sending = true;
    clearTimeout(retryTimer);
    var work = navigator.locks ? navigator.locks.request("huiskamer-tikken", sendAll) : sendAll();
    return Promise.resolve(work).catch(function () { retryLater(); }).then(function () {
      sending = false;
      return showQueue();
    });
  }

  // The list the phone keeps for use offline (static/js/sw.js). A page the worker did not see come in (the first
  // visit, before the worker ran; a boosted page change) is handed to it; after taps went out it is fetched
  // again now and then, with every phone's taps on it (at most once a minute: the list is the heaviest page).
  var REFRESH_EVERY = 60000;
  var refreshedAt = 0;
  function tellWorker(message) {
    if (!navigator.serviceWorker) return;
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.active) registration.active.postMessage(message);
    });
  }
  function keepList(xhr) {
    if (!navigator.serviceWorker) return;
    var mark = xhr && xhr.getResponseHeader("X-Huiskamer-Offline");
    var navigation = performance.getEntriesByType ? performance.getEntriesByType("navigation")[0] : null;
    var boosted = navigation && navigation.name !== location.href;
    if (mark) {
      tellWorker({type: "keep", url: location.pathname, html: xhr.responseText, mark: mark});
    } else if (!navigator.serviceWorker.controller || boosted) {
      tellWorker({type: "refresh", url: location.pathname});
      refreshedAt = Date.now();
    }
  }
  function scheduleRefresh() {
    if (!navigator.serviceWorker || refreshTimer) return;
    var wait = Math.max(2000, refreshedAt + REFRESH_EVERY - Date.now());
    refreshTimer = setTimeout(function () {
      refreshTimer = null;
      refreshedAt = Date.now();
      tellWorker({type: "refresh", url: location.pathname});
    }, wait);
  }

  // --- search and filters, without the server ---------------------------------------------------------------
  function filterRows() {
    var finder = document.querySelector("[data-day-find]");
    if (!finder) return;
    var query = nameWords(finder.elements.zoek.value);
    var chosen = finder.querySelector("input[name=toon]:checked");
    var show = chosen ? chosen.value : "alle";
    var shown = 0;
    Array.prototype.forEach.call(document.querySelectorAll("[data-day-list] .kid"), function (row) {
      var status = statusOf(row);
      var byFilter = show === "alle" || (show === "open" && status === "unknown") ||
        (show === "aanwezig" && status === "present") || (show === "afwezig" && counted(status) === "absent");
      var key = row.getAttribute("data-q");
      var byName = query.every(function (word) { return key.indexOf(word) >= 0; });
      row.hidden = !(byFilter && byName);
      if (!row.hidden) shown += 1;
    });
    var none = document.querySelector("[data-none]");
    if (none) none.hidden = shown > 0;
  }

  // --- the page ---------------------------------------------------------------------------------------------
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches && form.matches("[data-day-find]")) {
      event.preventDefault();
      filterRows();
      return;
    }
    if (!form.matches || !form.matches("[data-day-sheet]")) return;
    var button = event.submitter;
    event.preventDefault();
    if (!button || BUTTONS.indexOf(button.name) < 0) return;
    var row = button.closest(".kid");
    if (button.name === "times") {
      var collector = field(row, "collected_by").value.trim();
      var before = row.getAttribute("data-collected") || "";
      var warning = collector && collector !== before ? pickupWarning(row, collector) : null;
      if (warning) {
        showProblem(row, warning, button);
        return;
      }
    }
    tap(button, button.name === "confirm");
  }, true);

  document.addEventListener("keydown", function (event) {
    // Enter in a row's field saves that row's times (the form's own first button does nothing).
    if (event.key !== "Enter" || !event.target.closest) return;
    var row = event.target.closest("[data-day-sheet] .kid");
    if (!row || event.target.tagName !== "INPUT") return;
    event.preventDefault();
    var save = row.querySelector("button[name=times]");
    if (save) save.click();
  });

  document.addEventListener("input", function (event) {
    if (event.target.closest && event.target.closest("[data-day-find]")) filterRows();
  });
  document.addEventListener("change", function (event) {
    if (event.target.closest && event.target.closest("[data-day-find]")) filterRows();
  });

  window.addEventListener("online", function () { offline = false; retryDelay = 2000; drain(); });
  window.addEventListener("offline", function () { offline = true; showQueue(); });

  function start(xhr) {
    var list = document.querySelector("[data-day-list]");
    if (!list) return;
    keepList(xhr);
    try { words = JSON.parse(document.getElementById("daglijst-woorden").textContent); } catch (e) { /* keep */ }
    Array.prototype.forEach.call(document.querySelectorAll("[data-no-js]"), function (el) { el.hidden = true; });
    var form = sheet();
    form.setAttribute("hx-boost", "false");
    Array.prototype.forEach.call(list.querySelectorAll(".kid"), function (row) {
      row.setAttribute("data-collected", field(row, "collected_by").value);
    });
    blocked = null;
    var user = currentUser();
    var day = form.getAttribute("data-day");
    store.taps().then(function (taps) {
      var chores = [];
      taps.forEach(function (item) {
        if (item.user !== user) return;
        var row = item.day === day ? rowOf(item.placement) : null;
        var standing = row ? Number(row.getAttribute("data-t") || 0) : 0;
        var newer = row && Date.parse(item.tapped_at) > standing;
        if (newer) applyTap(row, item);
        // A tap the server has, and the list shows (or that is of another day), is no longer needed.
        if (item.state === "sent" && (!newer && row || item.day !== calendar.format(new Date()))) {
          chores.push(store.remove(item.id));
        }
      });
      return Promise.all(chores);
    }).catch(function () {}).then(function () {
      filterRows();
      return drain();
    });
  }

  window.huiskamerDaglijst = {start: start};
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.target.querySelector && event.target.querySelector("[data-day-list]")) start(event.detail.xhr);
  });
})();
