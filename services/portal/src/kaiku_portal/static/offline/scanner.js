// Camera scanning at the box office (docs/portal/README.md, "Camera scanning"): the card's QR code or
// Code 39 barcode read from the phone's or tablet's camera, online and offline alike. The platform's
// BarcodeDetector where it reads these formats, else the vendored ZXing decoder (static/vendor, Apache-2.0;
// no network needed). What is read goes into the check field and the check is sent, as a hand scanner
// would type it and press Enter; typing the code always works as well.
(function () {
  "use strict";
  var start = document.getElementById("scan-camera");
  var panel = document.getElementById("scanner");
  var checkForm = document.getElementById("check-form");
  var checkField = document.getElementById("code");
  if (!start || !panel || !checkForm || !checkField) return;
  var video = document.getElementById("scanner-video");
  var stop = document.getElementById("scan-stop");
  var said = document.getElementById("scanner-said");
  var ZXING = "/static/vendor/zxing-library-0.23.0.min.js";
  var EVERY_MS = 250;
  var FORMATS = ["qr_code", "code_39"];
  var stream = null;
  var timer = null;
  var canvas = document.createElement("canvas");
  var detector = null;
  var zxing = null;

  function platformDetector() {
    if (!("BarcodeDetector" in window)) return Promise.resolve(null);
    return window.BarcodeDetector.getSupportedFormats().then(function (supported) {
      var usable = FORMATS.filter(function (f) { return supported.indexOf(f) >= 0; });
      return usable.length === FORMATS.length ? new window.BarcodeDetector({ formats: FORMATS }) : null;
    }).catch(function () { return null; });
  }
  function loadZxing() {
    if (window.ZXing) return Promise.resolve(window.ZXing);
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = ZXING;
      script.onload = function () { resolve(window.ZXing); };
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }
  function zxingReader(ZXing) {
    var hints = new Map();
    hints.set(ZXing.DecodeHintType.POSSIBLE_FORMATS, [ZXing.BarcodeFormat.QR_CODE, ZXing.BarcodeFormat.CODE_39]);
    hints.set(ZXing.DecodeHintType.TRY_HARDER, true);
    var reader = new ZXing.MultiFormatReader();
    reader.setHints(hints);
    return function (image) {
      try {
        var source = new ZXing.HTMLCanvasElementLuminanceSource(image);
        return reader.decodeWithState(new ZXing.BinaryBitmap(new ZXing.HybridBinarizer(source))).getText();
      } catch (notFound) {
        return null;
      }
    };
  }
  // The one decoding path, for a frame of the camera drawn on a canvas: the code's text, or null.
  function decode(image) {
    var ready = detector !== null || zxing !== null ? Promise.resolve() : platformDetector().then(function (found) {
      detector = found;
      if (!found) return loadZxing().then(function (ZXing) { zxing = zxingReader(ZXing); });
    });
    return ready.then(function () {
      if (detector) {
        return detector.detect(image).then(function (codes) { return codes.length ? codes[0].rawValue : null; });
      }
      return zxing(image);
    });
  }
  function frame() {
    if (!stream || video.readyState < 2) return Promise.resolve(null);
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d", { willReadFrequently: true }).drawImage(video, 0, 0);
    return decode(canvas);
  }
  function close() {
    clearInterval(timer);
    timer = null;
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    video.srcObject = null;
    panel.hidden = true;
  }
  function found(code) {
    close();
    checkField.value = code;
    checkForm.requestSubmit(); // as a hand scanner's Enter: online it is checked, offline carried to the form
  }
  var busy = false;
  function look() {
    if (busy) return;
    busy = true;
    frame().then(function (code) {
      busy = false;
      if (code) found(code);
    }, function () { busy = false; });
  }
  start.addEventListener("click", function () {
    said.textContent = "";
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(function (s) {
      stream = s;
      panel.hidden = false;
      video.srcObject = s;
      return video.play();
    }).then(function () {
      timer = setInterval(look, EVERY_MS);
      stop.focus();
    }).catch(function () {
      close();
      said.textContent = start.dataset.noCamera;
      checkField.focus();
    });
  });
  stop.addEventListener("click", function () {
    close();
    checkField.focus();
  });
  if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) start.hidden = false;
  window.kaikuScanner = { decode: decode };
})();
