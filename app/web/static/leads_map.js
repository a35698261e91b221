// The maps of the admin area's lead pages, drawn when asked for ("Show on a map"), with
// Leaflet served by Tandem; the list or table beside them is the view without script.
// Leads come from the element's data-src (JSON), one marker each, clustered where
// markercluster is loaded; the searches with no result come inline (data-points) as areas
// with a count, drawn as circles that grow with it.
(function () {
  "use strict";
  var box = document.getElementById("leads-map");
  var button = document.getElementById("show-map");
  if (!box || !button || !window.L) return;
  var L = window.L;
  button.hidden = false;

  function points() {
    var inline = box.getAttribute("data-points");
    if (inline) return Promise.resolve(JSON.parse(inline));
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

  function layer(item) {
    if (item.count) {
      return L.circleMarker([item.lat, item.lon], {
        radius: 5 + 3 * Math.sqrt(item.count), color: "#b91c1c", weight: 1, fillOpacity: 0.35,
      });
    }
    return L.marker([item.lat, item.lon], { title: item.label, alt: item.label });
  }

  function draw() {
    button.hidden = true;
    box.hidden = false;
    var map = L.map(box).setView([50, 10], 4);
    L.tileLayer(box.getAttribute("data-tiles"), {
      maxZoom: 18,
      attribution: box.getAttribute("data-attribution"),
    }).addTo(map);
    points().then(function (items) {
      var clustered = !box.getAttribute("data-points") && typeof L.markerClusterGroup === "function";
      var group = clustered ? L.markerClusterGroup() : L.featureGroup();
      var bounds = [];
      items.forEach(function (item) {
        var text = document.createElement(item.url ? "a" : "span");
        if (item.url) text.href = item.url;
        text.textContent = item.label;
        group.addLayer(layer(item).bindPopup(text));
        bounds.push([item.lat, item.lon]);
      });
      group.addTo(map);
      if (bounds.length) map.fitBounds(bounds, { maxZoom: 10, padding: [20, 20] });
      box.setAttribute("data-drawn", String(items.length));
    });
  }

  button.addEventListener("click", draw);
})();
