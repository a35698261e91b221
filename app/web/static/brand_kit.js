// Live preview of the brand kit form, and the logo's colours as primary or secondary colour.
(function () {
  const primary = document.getElementById("f-primary_color");
  const secondary = document.getElementById("f-secondary_color");
  const tagline = document.getElementById("f-tagline");
  function update() {
    if (primary) {
      document.getElementById("cobrand-bar").style.background = primary.value;
      document.getElementById("cobrand-name").style.color = primary.value;
    }
    if (secondary) document.getElementById("cobrand-bar-2").style.background = secondary.value;
    if (tagline) document.getElementById("cobrand-tagline").textContent = tagline.value;
  }
  [primary, secondary, tagline].forEach((el) => el && el.addEventListener("input", update));
  // one button per colour and use: works with a click, a tap, Enter or Space alike
  document.querySelectorAll("button.suggest").forEach((button) => {
    button.addEventListener("click", () => {
      const target = document.getElementById(button.dataset.target);
      if (!target) return;
      target.value = button.dataset.color;
      update();
      target.dispatchEvent(new Event("change", { bubbles: true }));
    });
  });
})();
