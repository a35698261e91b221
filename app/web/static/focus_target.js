// After a redirect to an address with a #fragment (a saved form, an added item), move the
// keyboard focus to that element, not only the scroll position, and say so to screen readers.
(function () {
  "use strict";
  function focusTarget() {
    const id = decodeURIComponent(window.location.hash.slice(1));
    const target = id && document.getElementById(id);
    if (!target) return;
    if (!target.hasAttribute("tabindex") && !target.matches("a[href], button, input, select, textarea")) {
      target.setAttribute("tabindex", "-1");
    }
    target.classList.add("is-target");
    target.focus({ preventScroll: true });
    target.scrollIntoView({ block: "center" });
  }
  window.addEventListener("hashchange", focusTarget);
  focusTarget();
})();
