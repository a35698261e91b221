// Forms marked data-warn-unsaved: once something is changed, leaving the page asks first
// (the browser's own "Leave site?" dialog). Submitting the form (save, or save and download)
// is not leaving: the warning is off from then on, as it is once a script has saved it.
(function () {
  "use strict";
  document.querySelectorAll("form[data-warn-unsaved]").forEach(function (form) {
    var dirty = false;
    function changed() { dirty = true; }
    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    form.addEventListener("submit", function () { dirty = false; });
    // saved by a script (Copy HTML saves first): nothing is left unsaved
    form.addEventListener("tandem:saved", function () { dirty = false; });
    window.addEventListener("beforeunload", function (event) {
      if (!dirty) return;
      event.preventDefault();
      event.returnValue = "";  // older browsers show the dialog only when this is set
    });
  });
})();
