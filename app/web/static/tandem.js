// On every page. A table wider than its box scrolls sideways: the box then becomes a named,
// focusable region, so that keyboard users can scroll it too.
(function () {
  function heading(box) {
    // the nearest heading before the table: a sibling, else its section's, else the page's
    for (let node = box.previousElementSibling; node; node = node.previousElementSibling) {
      if (/^H[1-6]$/.test(node.tagName)) return node.textContent.trim();
    }
    const section = box.parentElement.closest("section, .card, main");
    const title = section && section.querySelector("h1, h2, h3");
    return title ? title.textContent.trim() : "";
  }
  function mark() {
    for (const box of document.querySelectorAll(".table-wrap")) {
      if (box.scrollWidth > box.clientWidth + 1) {
        const caption = box.querySelector("caption");
        const name = caption ? caption.textContent.trim() : heading(box);
        box.tabIndex = 0;
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", (name ? name + ": " : "") + "table, scrolls sideways");
      } else if (box.getAttribute("role") === "region") {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    }
  }
  mark();
  let timer = null;
  window.addEventListener("resize", () => { clearTimeout(timer); timer = setTimeout(mark, 200); });
})();
