// The offline-first box office (docs/portal/README.md, "Offline box office"). Progressive enhancement: the
// form works as before without this file and whenever the device is online. Offline, a recorded use goes
// into a queue in IndexedDB, each with its own redemption_id, the channel chosen and the moment it was made;
// when the network returns each is sent through POST /box-office/uses.json (usage's idempotent
// POST /v1/redemptions behind it), and its outcome stays on the list until the clerk has settled it.
(function () {
  "use strict";
  var section = document.getElementById("queue-section");
  var useForm = document.getElementById("use-form");
  if (!section || !useForm || !window.indexedDB) return;
  var text = section.dataset;
  var venue = text.venue;
  var list = document.getElementById("queue");
  var said = document.getElementById("queue-said");
  var banner = document.getElementById("offline-banner");
  var readyNote = document.getElementById("offline-ready");
  var checkForm = document.getElementById("check-form");
  var checkField = document.getElementById("code");
  var chosen = document.getElementById("performance_id");
  var places = document.getElementById("places-left");
  var lang = document.documentElement.lang || "fi";
  var DB = "kaiku-box-office";
  var STORE = "uses";
  var RETRY_MS = 4000;
  var syncing = false;
  var retry = null;
  var sending = {};

  // -- the queue in IndexedDB: survives a reload, a closed tab and a restarted device --------------------
  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "redemption_id" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function withStore(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(STORE, mode);
        var request = work(transaction.objectStore(STORE));
        transaction.oncomplete = function () { db.close(); resolve(request ? request.result : undefined); };
        transaction.onerror = function () { db.close(); reject(transaction.error); };
      });
    });
  }
  function all() {
    return withStore("readonly", function (store) { return store.getAll(); }).then(function (uses) {
      return (uses || []).filter(function (u) { return u.venue === venue; })
        .sort(function (a, b) { return a.made_at < b.made_at ? -1 : 1; });
    });
  }
  function save(use) { return withStore("readwrite", function (store) { return store.put(use); }); }
  function drop(id) { return withStore("readwrite", function (store) { return store.delete(id); }); }

  // 32 random hex characters with every sixth one `g`, as kaiku_contracts.identity_codes.opaque_id makes them:
  // never six digits in a row, so an id can never look like an identity code and be refused for it
  function newId() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    var hex = Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
    return hex.replace(/[0-9a-f]/g, function (c, i) { return i % 6 === 5 ? "g" : c; });
  }
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, name) { return name in values ? values[name] : whole; });
  }
  // The code as domain/codes.py reduces it (a scanned link's last segment, no spaces, upper case), checked
  // against the register's pattern the page is given; the portal reduces and checks it again when it is sent.
  var pattern = new RegExp(text.codePattern);
  function cardCode(raw) {
    var code = raw.trim();
    if (code.indexOf("/") >= 0) code = code.replace(/\/+$/, "").split("/").pop();
    code = code.replace(/\s+/g, "").toUpperCase();
    return pattern.test(code) ? code : null;
  }
  // the time of day on Helsinki's clock, as the page writes it (the language as used in Finland: `21.59`)
  var clockFormat = new Intl.DateTimeFormat(lang + "-FI", {
    hour: "numeric", minute: "2-digit", hourCycle: "h23", timeZone: text.timeZone
  });
  function clock(iso) {
    return clockFormat.format(new Date(iso));
  }

  // -- what the clerk sees ------------------------------------------------------------------------------
  function stateWords(use) {
    if (sending[use.redemption_id]) return text.sending;
    if (use.state === "accepted") return fill(text.accepted, { time: clock(use.sent_at) });
    if (use.state === "refused") return fill(text.refused, { reason: use.words, time: clock(use.sent_at) });
    return use.words ? text.queued + " " + use.words : text.queued;
  }
  function row(use) {
    var li = document.createElement("li");
    li.id = "queued-" + use.redemption_id;
    li.className = "queued " + (sending[use.redemption_id] ? "sending" : use.state === "queued" ? "waiting" : use.state);
    li.dataset.state = use.state;
    li.dataset.code = use.card_code;
    var what = document.createElement("span");
    var code = document.createElement("strong");
    code.className = "code";
    code.textContent = use.card_code;
    what.appendChild(code);
    var tickets = fill(text.tickets, { adults: use.adult_tickets, children: use.child_tickets });
    what.appendChild(document.createTextNode(
      " · " + use.performance_label + " · " + tickets + " · " + fill(text.madeAt, { time: clock(use.made_at) })
    ));
    var outcome = document.createElement("span");
    outcome.className = "outcome";
    outcome.textContent = stateWords(use);
    li.appendChild(what);
    li.appendChild(outcome);
    if (use.state === "accepted" || use.state === "refused") {
      var done = document.createElement("button");
      done.type = "button";
      done.className = "secondary settle";
      done.textContent = text.settle;
      var name = document.createElement("span");
      name.className = "visually-hidden";
      name.textContent = " " + use.card_code + ", " + use.performance_label;
      done.appendChild(name);
      done.addEventListener("click", function () {
        drop(use.redemption_id).then(render).then(function () { checkField.focus(); });
      });
      li.appendChild(done);
    }
    return li;
  }
  function render() {
    return all().then(function (uses) {
      list.replaceChildren.apply(list, uses.map(row));
      section.hidden = uses.length === 0;
      var waiting = uses.filter(function (u) { return u.state === "queued"; });
      section.dataset.waiting = String(waiting.length);
      showPlaces(waiting);
    });
  }
  function showPlaces(waiting) {
    if (!chosen || !places || chosen.tagName !== "SELECT") return;
    var option = chosen.options[chosen.selectedIndex];
    var base = option ? option.getAttribute("data-places") || "" : "";
    var here = waiting.filter(function (u) { return u.performance_id === chosen.value && u.adult_tickets > 0; }).length;
    places.textContent = here ? base + " " + fill(text.placesQueued, { count: here }) : base;
  }
  function online() {
    banner.hidden = navigator.onLine;
    if (navigator.onLine) sync();
  }

  // -- recording while offline ----------------------------------------------------------------------------
  useForm.addEventListener("submit", function (event) {
    if (navigator.onLine) return; // online, the form is sent as it is
    event.preventDefault();
    var f = useForm.elements;
    var adults = Number((useForm.querySelector("input[name=adult_tickets]:checked") || { value: "0" }).value);
    var children = Number(f.child_tickets.value || "0");
    if (adults + children === 0) {
      said.textContent = text.noTickets;
      return;
    }
    var label = f.performance_id.tagName === "SELECT"
      ? f.performance_id.options[f.performance_id.selectedIndex].text
      : f.performance_id.value;
    if (cardCode(f.card_code.value) === null) {
      said.textContent = text.badCode;
      return;
    }
    var use = {
      redemption_id: newId(),
      venue: venue,
      card_code: cardCode(f.card_code.value),
      performance_id: f.performance_id.value,
      performance_label: label,
      adult_tickets: adults,
      child_tickets: children,
      channel: f.channel.value,
      made_at: new Date().toISOString(),
      state: "queued",
      words: ""
    };
    save(use).then(render).then(function () {
      said.textContent = fill(text.queuedNotice, { code: use.card_code });
      f.card_code.value = "";
      checkField.value = "";
      checkField.focus();
    });
  });
  // offline the card cannot be checked: the code goes to the use form, and usage judges it when sent
  if (checkForm) {
    checkForm.addEventListener("submit", function (event) {
      if (navigator.onLine) return;
      event.preventDefault();
      var code = cardCode(checkField.value);
      useForm.elements.card_code.value = code || "";
      said.textContent = code ? fill(text.checkLater, { code: code }) : text.badCode;
      checkField.value = "";
      checkField.focus();
    });
  }
  if (chosen) chosen.addEventListener("change", function () { render(); });

  // -- sending when the network is back -------------------------------------------------------------------
  function later() {
    clearTimeout(retry);
    retry = setTimeout(sync, RETRY_MS);
  }
  function send(use) {
    var body = new URLSearchParams({
      csrf: useForm.elements.csrf.value,
      redemption_id: use.redemption_id,
      card_code: use.card_code,
      performance_id: use.performance_id,
      adult_tickets: String(use.adult_tickets),
      child_tickets: String(use.child_tickets),
      channel: use.channel,
      made_at: use.made_at
    });
    return fetch("/box-office/uses.json", {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      redirect: "manual"
    }).then(function (response) {
      var type = response.headers.get("content-type") || "";
      if (type.indexOf("application/json") >= 0) return response.json();
      // sent to sign in (a redirect) or the form's token no longer the session's: kept until signed in again;
      // any other page (the portal failing) settles nothing either, and the use is sent again shortly
      var signedOut = response.type === "opaqueredirect" || response.status === 401 || response.status === 403;
      return signedOut ? { final: false, words: text.signIn, stop: true } : { final: false, words: "" };
    });
  }
  function sync() {
    if (syncing || !navigator.onLine) return Promise.resolve();
    syncing = true;
    var next = function () {
      return all().then(function (uses) {
        var use = uses.filter(function (u) { return u.state === "queued"; })[0];
        if (!use || !navigator.onLine) return null;
        sending[use.redemption_id] = true;
        return render().then(function () { return send(use); }).then(function (answer) {
          delete sending[use.redemption_id];
          if (answer.final) {
            use.state = answer.outcome;
            use.reason = answer.reason || "";
            use.words = answer.words;
            use.sent_at = new Date().toISOString();
          } else {
            use.words = answer.words || "";
          }
          return save(use).then(render).then(function () {
            if (!answer.final) { // the service did not answer, or the session has ended: sent again later
              if (!answer.stop) later();
              return null;
            }
            said.textContent = use.card_code + ": " + stateWords(use);
            return next();
          });
        }, function () {
          // no answer (the network fell, or the answer was lost): the same use, the same id, again later
          delete sending[use.redemption_id];
          return render().then(function () { later(); return null; });
        });
      });
    };
    return next().then(function () { syncing = false; }, function () { syncing = false; later(); });
  }

  // -- installable, and the page kept for offline use -------------------------------------------------------
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/box-office/sw.js", { scope: "/box-office" }).catch(function () {});
    // said once the worker controls this page and has kept it: from then on it opens without a network
    var controlled = new Promise(function (resolve) {
      if (navigator.serviceWorker.controller) resolve();
      else navigator.serviceWorker.addEventListener("controllerchange", function () { resolve(); });
    });
    controlled.then(function () {
      return caches.match("/box-office");
    }).then(function (kept) {
      if (kept && readyNote) readyNote.hidden = false;
    }).catch(function () {});
  }
  var signOut = document.querySelector("form.signout");
  if (signOut && "serviceWorker" in navigator) {
    signOut.addEventListener("submit", function () {
      if (navigator.serviceWorker.controller) navigator.serviceWorker.controller.postMessage("forget");
    });
  }
  // a check's answer opened offline from the kept page: the code is carried to the use form
  var asked = new URLSearchParams(window.location.search).get("code");
  if (asked && !navigator.onLine) useForm.elements.card_code.value = cardCode(asked) || "";
  window.addEventListener("online", online);
  window.addEventListener("offline", online);
  render().then(online);
})();
