// The embeddable partner locator: <script src="https://tandem.example/widget.js" async
//   data-radius="50" data-type="installer" data-tier="Gold" data-specialty="Solar"
//   data-q="Berlin" data-height="640" data-lang="en" data-color="#1e3a8a"></script>
// renders the where-to-buy page in an iframe right after the script tag (its styles stay
// inside the frame); data attributes become the locator's filters.
(function () {
  "use strict";
  const script = document.currentScript;
  if (!script) return;
  const base = new URL(script.src, window.location.href);
  const params = new URLSearchParams({ embed: "1" });
  const map = { q: "q", radius: "radius_km", type: "type", tier: "tier", specialty: "specialty",
    certification: "certification", service: "service", language: "language", lang: "lang",
    color: "color" };
  for (const [attr, name] of Object.entries(map)) {
    const value = script.dataset[attr];
    if (value) params.set(name, value);
  }
  const frame = document.createElement("iframe");
  frame.src = base.origin + "/where-to-buy?" + params.toString();
  frame.title = script.dataset.title || "Find a partner near you";
  frame.loading = "lazy";
  frame.setAttribute("allow", "geolocation");
  frame.style.width = "100%";
  frame.style.border = "0";
  frame.style.minHeight = (parseInt(script.dataset.height, 10) || 640) + "px";
  frame.className = "tandem-locator";
  script.parentNode.insertBefore(frame, script.nextSibling);
})();
