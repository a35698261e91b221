// A colour swatch beside each #rrggbb text field of macros/pickers.html color_field: shown
// only with this script; choosing a colour fills the text field, typing one moves the swatch.
(function () {
  "use strict";
  const HEX = /^#[0-9a-fA-F]{6}$/;
  document.querySelectorAll("input[type=color][data-color-for]").forEach((swatch) => {
    const text = document.getElementById(swatch.dataset.colorFor);
    if (!text) return;
    swatch.hidden = false;
    swatch.addEventListener("input", () => {
      text.value = swatch.value;
      // live previews listen to the text field, which is what the form posts
      text.dispatchEvent(new Event("input", { bubbles: true }));
    });
    swatch.addEventListener("change", () => {
      text.dispatchEvent(new Event("change", { bubbles: true }));
    });
    text.addEventListener("input", () => {
      const value = text.value.trim();
      if (HEX.test(value)) swatch.value = value.toLowerCase();
    });
  });
})();
