// Asks before an action that sends email or destroys work: a button with data-confirm opens a
// dialog; confirming submits the form with confirmed=yes. Without this script the server asks
// on a page of its own (app/web/confirm.py).
(function () {
  "use strict";
  let serial = 0;
  let passing = false;

  function ask(form, button) {
    const id = `confirm-${++serial}`;
    const dialog = document.createElement("dialog");
    dialog.className = "confirm-dialog";
    dialog.setAttribute("aria-labelledby", `${id}-title`);
    dialog.setAttribute("aria-describedby", `${id}-message`);
    const title = document.createElement("h2");
    title.id = `${id}-title`;
    title.textContent = button.dataset.confirmTitle || `${button.textContent.trim()}?`;
    const message = document.createElement("p");
    message.id = `${id}-message`;
    message.textContent = button.dataset.confirm;
    const actions = document.createElement("div");
    actions.className = "actions";
    const yes = document.createElement("button");
    yes.type = "button";
    yes.textContent = button.dataset.confirmLabel || button.textContent.trim();
    if (button.dataset.confirmDanger === "yes") yes.className = "danger";
    const no = document.createElement("button");
    no.type = "button";
    no.className = "secondary";
    no.textContent = "Cancel";
    actions.append(yes, no);
    dialog.append(title, message, actions);
    document.body.appendChild(dialog);

    let confirmedChoice = false;
    no.addEventListener("click", () => dialog.close());
    yes.addEventListener("click", () => {
      confirmedChoice = true;
      dialog.close();
    });
    dialog.addEventListener("close", () => {
      dialog.remove();
      if (!confirmedChoice) {
        button.focus();
        return;
      }
      const flag = document.createElement("input");
      flag.type = "hidden";
      flag.name = "confirmed";
      flag.value = "yes";
      form.appendChild(flag);
      passing = true;
      try {
        form.requestSubmit(button); // the button's name and value go with it
      } finally {
        passing = false;
        flag.remove(); // the form's data is taken already; back/forward must ask again
      }
    });
    dialog.showModal();
    no.focus(); // the safe choice first
  }

  document.addEventListener("submit", (event) => {
    const button = event.submitter;
    if (passing || !button || !button.dataset.confirm) return;
    event.preventDefault();
    ask(event.target, button);
  });
})();
