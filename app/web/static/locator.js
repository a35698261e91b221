// The locator's enhancements: the map (Leaflet, clustered markers) of the results the server
// rendered as a list, place autocomplete, "use my location" and "search this area".
// Without this script the page works as a plain form and list.
(function () {
  "use strict";

  function initMap() {
    const box = document.getElementById("locator-map");
    if (!box || typeof L === "undefined") return;
    const selector = box.dataset.items || ".results li[data-lat]";
    const items = Array.from(document.querySelectorAll(selector)).filter(
      (li) => li.dataset.lat && li.dataset.lon
    );
    const map = L.map(box, { scrollWheelZoom: false });
    L.tileLayer(box.dataset.tiles, { attribution: box.dataset.attribution, maxZoom: 19 }).addTo(map);
    const group = typeof L.markerClusterGroup === "function" ? L.markerClusterGroup() : L.featureGroup();
    const bounds = [];
    for (const li of items) {
      const point = [parseFloat(li.dataset.lat), parseFloat(li.dataset.lon)];
      const marker = L.marker(point, { title: li.dataset.name, alt: li.dataset.name });
      const label = document.createElement("div");
      const link = document.createElement(li.dataset.url ? "a" : "strong");
      link.textContent = li.dataset.name;
      if (li.dataset.url) link.href = li.dataset.url;
      label.appendChild(link);
      if (li.dataset.distance) label.appendChild(document.createTextNode(" · " + li.dataset.distance + " km"));
      marker.bindPopup(label);
      group.addLayer(marker);
      bounds.push(point);
    }
    map.addLayer(group);
    box.dataset.markers = String(items.length);
    if (box.dataset.lat && box.dataset.lon) {
      const centre = [parseFloat(box.dataset.lat), parseFloat(box.dataset.lon)];
      bounds.push(centre);
      L.circleMarker(centre, { radius: 6, color: "#111827" }).addTo(map);
    }
    if (bounds.length > 1) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 13 });
    else if (bounds.length === 1) map.setView(bounds[0], 12);
    else map.setView([30, 0], 2);
    if (box.dataset.searchUrl) addAreaSearch(map, box);
  }

  function addAreaSearch(map, box) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "secondary area-search";
    button.textContent = "Search this area";
    button.hidden = true;
    box.parentElement.insertBefore(button, box);
    map.on("moveend", () => { button.hidden = false; });
    button.addEventListener("click", () => {
      const form = document.querySelector(".locator-form");
      const c = map.getCenter();
      const edge = map.getBounds().getNorthEast();
      const radius = Math.max(1, Math.round(map.distance(c, edge) / 1000));
      submitPoint(form, c.lat, c.lng, radius);
    });
  }

  function submitPoint(form, lat, lon, radius) {
    form.querySelector("#lat").value = lat.toFixed(5);
    form.querySelector("#lon").value = lon.toFixed(5);
    form.querySelector("#q").value = "";
    if (radius) {
      const select = form.querySelector("#radius_km");
      let option = Array.from(select.options).find((o) => parseInt(o.value, 10) >= radius);
      if (!option) option = select.options[select.options.length - 1];
      select.value = option.value;
    }
    form.submit();
  }

  function initMyLocation() {
    const button = document.getElementById("use-my-location");
    if (!button || !("geolocation" in navigator)) return;
    button.hidden = false;
    const error = document.getElementById("location-error");
    button.addEventListener("click", () => {
      button.disabled = true;
      button.textContent = "Finding you…";
      navigator.geolocation.getCurrentPosition(
        (pos) => submitPoint(button.form, pos.coords.latitude, pos.coords.longitude),
        () => {
          button.disabled = false;
          button.textContent = "Use my location";
          error.textContent = "Your location is not available: type a city or a postcode instead.";
          error.hidden = false;
        },
        { timeout: 10000, maximumAge: 600000 }
      );
    });
  }

  function initSuggestions() {
    const input = document.getElementById("q");
    const list = document.getElementById("place-suggestions");
    if (!input || !list || !input.dataset.suggest) return;
    let timer = null;
    let asked = "";
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const q = input.value.trim();
        if (q.length < 2 || q === asked) return;
        asked = q;
        try {
          const response = await fetch(input.dataset.suggest + "?q=" + encodeURIComponent(q));
          if (!response.ok) return;
          const places = await response.json();
          // the answers can come back out of order: a slower, older one is not shown
          if (q !== asked) return;
          list.replaceChildren(...places.map((p) => {
            const option = document.createElement("option");
            option.value = p.label;
            return option;
          }));
        } catch (e) { /* offline: the form still works */ }
      }, 200);
    });
    // a place typed anew replaces a point from "use my location"
    input.form.addEventListener("submit", () => {
      if (input.value.trim()) {
        input.form.querySelector("#lat").value = "";
        input.form.querySelector("#lon").value = "";
      }
    });
  }

  initSuggestions();
  initMyLocation();
  initMap();
})();
