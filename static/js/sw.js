/* Huiskamer's service worker (served as /sw.js): today's day lists on the phone, for a room without a network.

   What it keeps, and nothing else:
   - the app's own files (the shell) and the page shown when there is no connection;
   - the pages the server marks with "X-Huiskamer-Offline: <user id> <date>": today's day lists of the
     logged-in kinderwerker (no dossier, no other day, no other page is ever stored).
   The lists belong to one user and one day. Before a list is stored, every list of another user or another day
   is deleted; at the end of the day they go too; the page asks for a wipe at log-out and when someone else
   logs in (static/js/app.js), and the log-out answer itself says Clear-Site-Data.

   Pages: the network first (a list fresh from the server is stored again); without an answer within a few
   seconds, or without a network, the stored list, else the offline page. Taps are not the business of this
   worker: the page keeps them (IndexedDB) and sends them itself. */
"use strict";

var VERSION = "2026-12-04.1";
var SHELL = "hk-schil-" + VERSION;
var LISTS = "hk-lijsten|";  // + user + "|" + date
var SHELL_FILES = [
  "/offline",
  "/static/css/app.css",
  "/static/css/print.css",
  "/static/js/htmx-2.0.11.min.js",
  "/static/js/app.js",
  "/static/js/daglijst.js",
  "/static/icons/huiskamer.svg",
  "/static/icons/huiskamer-192.png",
  "/manifest.webmanifest"
];
var PATIENCE = 4000;  // ms a page may take on a poor connection before the stored one is shown

function today() {
  // Today in Amsterdam as YYYY-MM-DD (the Swedish locale writes dates that way).
  return new Intl.DateTimeFormat("sv-SE", {
    timeZone: "Europe/Amsterdam", year: "numeric", month: "2-digit", day: "2-digit"
  }).format(new Date());
}

function listParts(name) {
  var parts = name.slice(LISTS.length).split("|");
  return {user: parts[0], day: parts[1]};
}

// Deletes old shells, every list that is not of today, and (with an owner) every list of someone else.
function tidy(owner) {
  return caches.keys().then(function (names) {
    return Promise.all(names.map(function (name) {
      if (name.indexOf("hk-schil-") === 0 && name !== SHELL) return caches.delete(name);
      if (name.indexOf(LISTS) !== 0) return null;
      var list = listParts(name);
      if (list.day !== today() || (owner && list.user !== owner)) return caches.delete(name);
      return null;
    }));
  });
}

function wipe() {
  return caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) { return name.indexOf(LISTS) === 0; })
      .map(function (name) { return caches.delete(name); }));
  });
}

// Stores a day list the server marked as one to keep, for its user and day only.
function keep(url, response) {
  var mark = (response.headers.get("X-Huiskamer-Offline") || "").split(" ");
  var user = mark[0], day = mark[1];
  if (!user || day !== today() || !response.ok || url.search) return Promise.resolve();
  return tidy(user).then(function () {
    return caches.open(LISTS + user + "|" + day);
  }).then(function (cache) {
    return cache.put(url.pathname, response);
  });
}

function storedList(url) {
  return caches.keys().then(function (names) {
    var mine = names.filter(function (name) {
      return name.indexOf(LISTS) === 0 && listParts(name).day === today();
    });
    return mine.reduce(function (found, name) {
      return found.then(function (response) {
        return response || caches.open(name).then(function (cache) { return cache.match(url.pathname); });
      });
    }, Promise.resolve(undefined));
  });
}

function offlinePage() {
  return caches.open(SHELL).then(function (cache) { return cache.match("/offline"); }).then(function (page) {
    return page || new Response("Geen verbinding.", {status: 503, headers: {"Content-Type": "text/plain; charset=utf-8"}});
  });
}

function page(event, url) {
  var network = fetch(event.request).then(function (response) {
    if (response.headers.get("X-Huiskamer-Offline")) event.waitUntil(keep(url, response.clone()));
    return response;
  });
  var waited = new Promise(function (resolve) { setTimeout(resolve, PATIENCE); }).then(function () {
    return storedList(url).then(function (stored) { return stored || network; });
  });
  return Promise.race([network, waited]).catch(function () {
    return storedList(url).then(function (stored) { return stored || offlinePage(); });
  });
}

// The shell: what is stored answers at once, and is brought up to date behind it.
function shellFile(event) {
  return caches.open(SHELL).then(function (cache) {
    return cache.match(event.request, {ignoreSearch: true}).then(function (stored) {
      var fresh = fetch(event.request).then(function (response) {
        if (response.ok) cache.put(event.request, response.clone());
        return response;
      });
      if (stored) {
        event.waitUntil(fresh.catch(function () { return null; }));
        return stored;
      }
      return fresh;
    });
  });
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) { return cache.addAll(SHELL_FILES); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(tidy(null).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(page(event, url));
  } else if (url.pathname.indexOf("/static/") === 0 || url.pathname === "/manifest.webmanifest") {
    event.respondWith(shellFile(event));
  }
  // Everything else (htmx fragments, the API) goes to the network only.
});

self.addEventListener("message", function (event) {
  var data = event.data || {};
  var done;
  if (data.type === "wipe") {
    done = wipe();
  } else if (data.type === "owner") {
    done = tidy(data.user || null);
  } else if (data.type === "keep" && typeof data.url === "string" && typeof data.html === "string") {
    // A list the page received itself (a boosted page change goes around this worker).
    done = keep(new URL(data.url, self.location.origin), new Response(data.html, {
      headers: {"Content-Type": "text/html; charset=utf-8", "X-Huiskamer-Offline": String(data.mark || "")}
    }));
  } else if (data.type === "refresh" && typeof data.url === "string") {
    var url = new URL(data.url, self.location.origin);
    done = url.origin !== self.location.origin ? Promise.resolve() :
      fetch(url.pathname, {credentials: "same-origin"}).then(function (response) {
        return response.headers.get("X-Huiskamer-Offline") ? keep(url, response) : null;
      }).catch(function () { return null; });
  } else {
    return;
  }
  event.waitUntil(done.then(function () {
    if (event.ports && event.ports[0]) event.ports[0].postMessage({type: "done"});
  }));
});
