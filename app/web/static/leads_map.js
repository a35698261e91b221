// The map of leads in the admin area: Leaflet (served by the locator) when it is on the page,
// points fetched from the element's data-src. Without Leaflet the list above is the view.
(function () {
  "use strict";
  var box = document.getElementById("leads-map");
  if (!box) return;
  if (!window.L) { box.hidden = true; return; }
  var tiles = box.getAttribute("data-tiles") || "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
  var map = window.L.map(box).setView([50, 10], 4);
  window.L.tileLayer(tiles, {
    maxZoom: 18,
    attribution: box.getAttribute("data-attribution") || "© OpenStreetMap contributors",
  }).addTo(map);
  var inline = box.getAttribute("data-points");
  var load = inline
    ? Promise.resolve({ items: JSON.parse(inline).map(function (p) {
        return { lat: p.lat, lon: p.lon, status: "No result", partner: p.query, url: "#" };
      }) })
    : fetch(box.getAttribute("data-src"), { credentials: "same-origin" })
        .then(function (r) { return r.json(); });
  load.then(function (data) {
      var points = [];
      data.items.forEach(function (item) {
        var marker = window.L.circleMarker([item.lat, item.lon], { radius: 6 }).addTo(map);
        var text = document.createElement("a");
        text.href = item.url;
        text.textContent = item.status + (item.partner ? " · " + item.partner : "");
        marker.bindPopup(text);
        points.push([item.lat, item.lon]);
      });
      if (points.length) map.fitBounds(points, { maxZoom: 10, padding: [20, 20] });
    });
})();
