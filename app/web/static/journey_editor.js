// The journey editor, enhanced: each form shows only the fields of the choice made (the kind of
// wait, the event it waits for, the fact a condition checks, the entry trigger, the audience). Without JavaScript every
// field shows and the server keeps only those of the choice.
(function () {
  "use strict";
  function chosen(form, group) {
    const controls = form.querySelectorAll('[data-shows="' + group + '"]');
    for (const control of controls) {
      if (control.type === "radio") {
        if (control.checked) return control.value;
      } else {
        return control.value;
      }
    }
    return null;
  }
  function sync(form) {
    for (const group of ["wait", "fact", "event", "trigger", "audience"]) {
      const value = chosen(form, group);
      if (value === null) continue;
      for (const part of form.querySelectorAll("[data-when-" + group + "]")) {
        const values = part.getAttribute("data-when-" + group).split(" ");
        const box = part.matches("input, select, textarea") ? part.closest(".field") : part;
        box.hidden = !values.includes(value);
      }
    }
  }
  for (const form of document.querySelectorAll("#flow form, #settings form")) {
    sync(form);
    form.addEventListener("change", function (event) {
      if (event.target.hasAttribute("data-shows")) sync(form);
    });
  }
})();
