// 网格员 pages: a tap on the grid map sets the location; picked photos become metadata fields
// (name, type, size, time taken) — the file itself is never sent.
(function () {
  "use strict";

  function mapOf(input) {
    var form = input.closest("form");
    return form && form.querySelector("[data-grid-map]");
  }

  function toLonLat(svg, x, y) {
    var d = svg.dataset;
    return [parseFloat(d.minLon) + x / parseFloat(d.scaleX), parseFloat(d.maxLat) - y / parseFloat(d.scaleY)];
  }

  function toXY(svg, lon, lat) {
    var d = svg.dataset;
    return [(lon - parseFloat(d.minLon)) * parseFloat(d.scaleX), (parseFloat(d.maxLat) - lat) * parseFloat(d.scaleY)];
  }

  function placeMarker(svg, x, y) {
    var marker = svg.querySelector("[data-map-marker]");
    marker.setAttribute("cx", x.toFixed(1));
    marker.setAttribute("cy", y.toFixed(1));
    marker.removeAttribute("hidden");
  }

  document.addEventListener("click", function (event) {
    var shape = event.target.closest && event.target.closest("[data-grid-map] .grid-shape");
    if (!shape) return;
    var svg = shape.ownerSVGElement;
    var point = svg.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    var local = point.matrixTransform(svg.getScreenCTM().inverse());
    var lonlat = toLonLat(svg, local.x, local.y);
    document.getElementById("lon").value = lonlat[0].toFixed(6);
    document.getElementById("lat").value = lonlat[1].toFixed(6);
    placeMarker(svg, local.x, local.y);
  });

  // The device's position (console.js fills #lon/#lat) moves the marker too.
  document.addEventListener("change", function (event) {
    if (event.target.id !== "lon" && event.target.id !== "lat") return;
    var svg = mapOf(event.target);
    var lon = parseFloat(document.getElementById("lon").value);
    var lat = parseFloat(document.getElementById("lat").value);
    if (!svg || isNaN(lon) || isNaN(lat)) return;
    var xy = toXY(svg, lon, lat);
    placeMarker(svg, xy[0], xy[1]);
  });

  function hidden(name, value) {
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    return input;
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function localTime(ms) {
    var t = new Date(ms);
    return t.getFullYear() + "-" + pad(t.getMonth() + 1) + "-" + pad(t.getDate()) + "T" + pad(t.getHours()) + ":" + pad(t.getMinutes());
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("[data-photo-input]")) return;
    var list = input.closest("[data-photo-picker]").querySelector("[data-photo-list]");
    list.textContent = "";
    Array.prototype.forEach.call(input.files, function (file) {
      var item = document.createElement("li");
      var taken = file.lastModified ? localTime(file.lastModified) : "";
      item.textContent = file.name + "（" + Math.max(1, Math.round(file.size / 1024)) + " KB" + (taken ? "，拍摄于 " + taken.replace("T", " ") : "") + "）";
      item.appendChild(hidden("photo_name", file.name));
      item.appendChild(hidden("photo_size", String(file.size)));
      item.appendChild(hidden("photo_type", file.type || "image/jpeg"));
      item.appendChild(hidden("photo_taken", taken));
      list.appendChild(item);
    });
  });
})();
