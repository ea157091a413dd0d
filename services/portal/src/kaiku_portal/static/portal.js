// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // A barcode/QR scanner types the code and presses Enter. In a longer form, Enter in the code
  // field moves on to the next field instead of sending a half-filled form.
  document.querySelectorAll("[data-scanner=next]").forEach(function (input) {
    input.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") return;
      event.preventDefault();
      var fields = Array.prototype.slice.call(input.form.querySelectorAll("input:not([type=hidden]):not([disabled]), select, button"));
      var next = fields[fields.indexOf(input) + 1];
      if (next) next.focus();
    });
  });
  // A community card has no holder profile (§5): the holder fields are switched off.
  var form = document.getElementById("grant-form");
  if (form) {
    var holder = document.getElementById("holder-fields");
    var sync = function () {
      var community = form.querySelector("input[name=card_type]:checked");
      holder.disabled = !!community && community.value === "community";
    };
    form.querySelectorAll("input[name=card_type]").forEach(function (r) { r.addEventListener("change", sync); });
    sync();
  }
  // The card-holder limit's minimum (§7.2.2), shown as the clerk types the places and the kind.
  var perf = document.getElementById("performance-form");
  if (perf) {
    var out = document.getElementById("limit-minimum");
    var timer = null;
    var refresh = function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var params = new URLSearchParams({
          capacity: perf.elements.capacity.value,
          kind: perf.elements.kind.value,
          guest_producer: perf.elements.guest_producer.checked ? "on" : ""
        });
        fetch("/performances/minimum?" + params.toString(), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.text() : null; })
          .then(function (text) { if (text !== null) out.textContent = text; })
          .catch(function () {});
      }, 150);
    };
    ["capacity", "kind", "guest_producer"].forEach(function (name) {
      perf.elements[name].addEventListener("input", refresh);
      perf.elements[name].addEventListener("change", refresh);
    });
  }
  // Box office: a scanner types the code and presses Enter. After every result (valid, refused,
  // recorded, undone) the check field has the focus, empty, so the next scan is never lost or
  // appended to an old code; coming back to the page (history) does the same.
  var check = document.getElementById("code");
  if (check && check.getAttribute("data-scanner") === "check") {
    var ready = function () {
      // never pulls the focus from where the clerk already moved it (a fast scanner or Tab)
      var active = document.activeElement;
      if (active && active !== document.body && active !== check) return;
      check.focus();
      check.select();
    };
    ready();
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) {
        check.value = "";
        ready();
      }
    });
    // The chosen performance's card-holder places left, before recording (§7.2.2).
    var chosen = document.getElementById("performance_id");
    var places = document.getElementById("places-left");
    if (chosen && places && chosen.tagName === "SELECT") {
      chosen.addEventListener("change", function () {
        var option = chosen.options[chosen.selectedIndex];
        places.textContent = option ? option.getAttribute("data-places") || "" : "";
      });
    }
  }
  // Performances: the edit form is where the edit link leads.
  var editing = document.querySelector("#performance-form input[type=hidden][name=performance_id]");
  if (editing && window.location.hash === "#form-heading") {
    document.getElementById("form-heading").focus();
  }
  // Uploads: show that the file is being sent and checked row by row.
  document.querySelectorAll("form[data-progress]").forEach(function (upload) {
    upload.addEventListener("submit", function () {
      var p = document.getElementById(upload.getAttribute("data-progress"));
      if (p) p.hidden = false;
    });
  });
})();
