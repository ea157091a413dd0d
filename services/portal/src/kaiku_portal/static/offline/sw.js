// The box office's service worker (docs/portal/README.md, "Offline box office"), served as
// /box-office/sw.js with the scope /box-office. It keeps the last box-office page (the venue's coming
// performances and their card-holder places left, as they were then) and the files the page needs, so the
// page opens without a network; the uses recorded then wait in the page's IndexedDB queue, not here.
// Network first: online, every answer is fresh and the kept copy is renewed; offline, the kept copy.
"use strict";
var CACHE = "kaiku-box-office-v1";
var PAGE = "/box-office";
var FILES = [
  "/static/portal.css",
  "/static/portal.js",
  "/static/offline/box_office.js",
  "/static/offline/scanner.js",
  "/static/offline/icon.svg",
  "/static/vendor/zxing-library-0.23.0.min.js",
  "/box-office/manifest.webmanifest"
];

function keep(cache, request, response) {
  // only a whole, signed-in answer of this site: never the sign-in page a lapsed session is sent to
  if (response && response.ok && response.type === "basic" && !response.redirected) {
    return cache.put(request, response.clone()).then(function () { return response; });
  }
  return Promise.resolve(response);
}

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      var all = FILES.concat([PAGE]).map(function (url) {
        return fetch(url, { credentials: "same-origin" })
          .then(function (response) { return keep(cache, url, response); })
          .catch(function () {});
      });
      return Promise.all(all);
    }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) { return n !== CACHE; }).map(function (n) { return caches.delete(n); }));
    }).then(function () { return self.clients.claim(); })
  );
});

// Signing out at the box office: the kept page (today's uses, the form's token) is forgotten; the queue of
// uses not yet sent stays in the page's IndexedDB, to be sent after the next sign-in.
self.addEventListener("message", function (event) {
  if (event.data === "forget") event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.delete(PAGE); }));
});

function isPage(url) {
  return url.pathname === PAGE;
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return; // uses are sent by the page itself, never replayed from here
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  var kept = FILES.indexOf(url.pathname) >= 0;
  if (!kept && !isPage(url)) return;
  // the page as a check's answer (`?code=`) is not the page to open offline: only the plain one is kept
  var key = isPage(url) ? PAGE : url.pathname;
  var keepIt = !isPage(url) || !url.searchParams.has("code");
  event.respondWith(
    caches.open(CACHE).then(function (cache) {
      return fetch(request).then(function (response) {
        if (isPage(url) && (response.redirected || response.type === "opaqueredirect")) {
          // sent to sign in (the session lapsed): the kept page, with its form's token, goes too
          return cache.delete(PAGE).then(function () { return response; });
        }
        return keepIt ? keep(cache, key, response) : response;
      }).catch(function () {
        return cache.match(key).then(function (found) {
          return found || Response.error();
        });
      });
    })
  );
});
