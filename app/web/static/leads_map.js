// The map of leads (or of searches with no result) in the admin area. The list is the view;
// the map is drawn when asked for ("Show on a map"), with Leaflet served by Tandem. Points
// come from the element's data-src (JSON) or data-points (inline JSON).
(function () {
  "use strict";
  var box = document.getElementById("leads-map");
  var button = document.getElementById("show-map");
  if (!box || !button || !window.L) return;
  button.hidden = false;

  function points() {
    var inline = box.getAttribute("data-points");
    if (inline) {
      return Promise.resolve(JSON.parse(inline).map(function (p) {
        return { lat: p.lat, lon: p.lon, label: "No result: " + p.query, url: null };
      }));
    }
    return fetch(box.getAttribute("data-src"), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        return data.items.map(function (item) {
          return {
            lat: item.lat, lon: item.lon, url: item.url,
            label: item.status + (item.partner ? " · " + item.partner : ""),
          };
        });
      });
  }

  function draw() {
    button.hidden = true;
    box.hidden = false;
    var map = window.L.map(box).setView([50, 10], 4);
    window.L.tileLayer(box.getAttribute("data-tiles"), {
      maxZoom: 18,
      attribution: box.getAttribute("data-attribution"),
    }).addTo(map);
    points().then(function (items) {
      var bounds = [];
      items.forEach(function (item) {
        var marker = window.L.circleMarker([item.lat, item.lon], { radius: 6 }).addTo(map);
        var text = document.createElement(item.url ? "a" : "span");
        if (item.url) text.href = item.url;
        text.textContent = item.label;
        marker.bindPopup(text);
        bounds.push([item.lat, item.lon]);
      });
      if (bounds.length) map.fitBounds(bounds, { maxZoom: 10, padding: [20, 20] });
    });
  }

  button.addEventListener("click", draw);
})();
