// A location's map pin, moved by dragging: the latitude and longitude fields follow it (and
// the pin follows what is typed in them). Without this script the fields still work.
(function () {
  "use strict";
  const box = document.getElementById("pin-map");
  if (!box || typeof L === "undefined") return;
  const lat = document.getElementById("f-latitude");
  const lon = document.getElementById("f-longitude");
  const start = [parseFloat(lat.value), parseFloat(lon.value)];
  const placed = !Number.isNaN(start[0]) && !Number.isNaN(start[1]);
  const map = L.map(box).setView(placed ? start : [30, 0], placed ? 15 : 2);
  L.tileLayer(box.dataset.tiles, { attribution: box.dataset.attribution, maxZoom: 19 }).addTo(map);
  const pin = L.marker(placed ? start : map.getCenter(), { draggable: true, title: "Location", alt: "Location pin" }).addTo(map);
  pin.on("dragend", () => {
    const p = pin.getLatLng();
    lat.value = p.lat.toFixed(6);
    lon.value = p.lng.toFixed(6);
  });
  map.on("click", (e) => {
    pin.setLatLng(e.latlng);
    lat.value = e.latlng.lat.toFixed(6);
    lon.value = e.latlng.lng.toFixed(6);
  });
  for (const input of [lat, lon]) {
    input.addEventListener("change", () => {
      const p = [parseFloat(lat.value), parseFloat(lon.value)];
      if (!Number.isNaN(p[0]) && !Number.isNaN(p[1])) { pin.setLatLng(p); map.setView(p); }
    });
  }
})();
