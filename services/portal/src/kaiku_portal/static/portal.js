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
  // Uploads: show that the file is being sent and checked row by row.
  document.querySelectorAll("form[data-progress]").forEach(function (upload) {
    upload.addEventListener("submit", function () {
      var p = document.getElementById(upload.getAttribute("data-progress"));
      if (p) p.hidden = false;
    });
  });
})();
