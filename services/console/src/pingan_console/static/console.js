// Pingan console: the live stream, keyboard shortcuts and small helpers for every page.
// No inline scripts anywhere (the Content-Security-Policy forbids them): pages declare what they
// need with data- attributes, and this file wires them up.
(function () {
  "use strict";

  // The live stream: each notification from notify is re-broadcast as a DOM event, so any
  // element can refresh itself with hx-trigger="pingan:notification from:body".
  function connectStream() {
    var url = document.body.dataset.stream;
    if (!url || !window.EventSource) return;
    var source = new EventSource(url);
    source.addEventListener("notification", function (message) {
      var detail = {};
      try { detail = JSON.parse(message.data); } catch (e) { /* keep going */ }
      document.body.dispatchEvent(new CustomEvent("pingan:notification", { detail: detail }));
    });
    source.onopen = function () { document.body.dataset.streamState = "open"; };
    source.onerror = function () { document.body.dataset.streamState = "retrying"; };
  }

  // Keyboard shortcuts: <button data-hotkey="alt+s"> is pressed by Alt+S; the hint shows it.
  function onKey(event) {
    var parts = [];
    if (event.altKey) parts.push("alt");
    if (event.ctrlKey) parts.push("ctrl");
    if (event.shiftKey) parts.push("shift");
    parts.push((event.key || "").toLowerCase());
    var combo = parts.join("+");
    var target = document.querySelector('[data-hotkey="' + combo + '"]');
    if (!target) return;
    event.preventDefault();
    if (target.matches("input, select, textarea")) target.focus();
    else target.click();
  }

  // <form data-reset-on-success> clears itself after the server accepted it.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target.closest && event.target.closest("form[data-reset-on-success]");
    if (form && event.detail.successful) form.reset();
  });

  // <button data-geolocate="#lon,#lat"> fills two inputs from the device's position.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-geolocate]");
    if (!button || !navigator.geolocation) return;
    var ids = button.dataset.geolocate.split(",");
    navigator.geolocation.getCurrentPosition(function (position) {
      document.querySelector(ids[0]).value = position.coords.longitude.toFixed(6);
      document.querySelector(ids[1]).value = position.coords.latitude.toFixed(6);
      document.querySelector(ids[0]).dispatchEvent(new Event("change", { bubbles: true }));
    }, function () { button.textContent = "无法获取定位"; });
  });

  document.addEventListener("keydown", onKey);
  document.addEventListener("DOMContentLoaded", connectStream);
  window.Pingan = { connectStream: connectStream };
})();
