// Live preview of the brand kit form, and logo colour suggestions.
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
  document.querySelectorAll("button.suggest").forEach((button) => {
    button.addEventListener("click", (event) => {
      const target = event.shiftKey ? secondary : primary;
      if (target) { target.value = button.dataset.color; update(); }
    });
  });
})();
