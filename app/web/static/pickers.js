// Enhances the pickers of macros/pickers.html. Without this script they still work: a list of
// checkboxes (countries) and checked boxes plus an "add" box (partners).
//  - a checklist gets a search box that filters its options, and a summary of what is chosen;
//  - a partner picker's "add" box searches the partners as you type (a combobox) and adds the
//    one chosen as a checked box, which the form posts like the others.
(function () {
  "use strict";
  let serial = 0;

  function fold(text) {
    // "Côte d'Ivoire" is found by "cote"
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
  }

  function liveRegion(parent) {
    const region = document.createElement("p");
    region.className = "picker-status";
    region.setAttribute("aria-live", "polite");
    parent.appendChild(region);
    return region;
  }

  function notifyForm(element) {
    // the targeting preview listens for changes on its form
    element.dispatchEvent(new Event("change", { bubbles: true }));
  }

  // --- a list of checkboxes with a search box ----------------------------------------------

  function enhanceChecklist(box) {
    const options = box.querySelector(".picker-options");
    if (!options) return;
    const noun = box.dataset.pickerNoun || "options";
    const id = `picker-${++serial}`;
    options.id = options.id || `${id}-options`;
    const search = document.createElement("input");
    search.type = "search";
    search.className = "picker-search";
    search.placeholder = `Search ${noun}`;
    search.setAttribute("aria-label", `Search ${noun}`);
    search.setAttribute("aria-controls", options.id);
    search.autocomplete = "off";
    const summary = liveRegion(box);
    options.before(search);
    summary.id = `${id}-summary`;
    search.setAttribute("aria-describedby", summary.id);
    const labels = Array.from(options.querySelectorAll("label"));

    function chosenNames() {
      return labels.filter((l) => l.querySelector("input").checked).map((l) => l.textContent.trim());
    }
    function summarize() {
      const names = chosenNames();
      summary.textContent = names.length
        ? `Chosen (${names.length}): ${names.slice(0, 8).join(", ")}${names.length > 8 ? ", …" : ""}`
        : `No ${noun} chosen.`;
    }
    function visible() {
      return labels.filter((l) => !l.hidden);
    }
    function filter() {
      const query = fold(search.value);
      for (const label of labels) {
        const input = label.querySelector("input");
        label.hidden = query !== "" && !fold(`${label.textContent} ${input.value}`).includes(query);
      }
    }
    search.addEventListener("input", (event) => {
      event.stopPropagation(); // a search is not a change of the form
      filter();
    });
    search.addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      event.preventDefault(); // Enter here must not submit the form
      const shown = visible();
      if (shown.length === 1) {
        const input = shown[0].querySelector("input");
        input.checked = !input.checked;
        notifyForm(input);
        search.value = "";
        filter();
      } else if (shown.length > 1) {
        shown[0].querySelector("input").focus();
      }
    });
    options.addEventListener("change", summarize);
    box.classList.add("is-enhanced");
    summarize();
  }

  // --- a partner picker: a combobox over the partner search --------------------------------

  function enhancePartners(box) {
    const add = box.querySelector(".picker-add input");
    const chosen = box.querySelector(".picker-chosen");
    const url = box.dataset.searchUrl;
    if (!add || !chosen || !url) return;
    const fieldName = box.querySelector("input[type=hidden]").name;
    const id = `picker-${++serial}`;
    // the box now only searches: what it holds is not posted
    add.removeAttribute("name");
    add.removeAttribute("list");
    const help = box.querySelector(".picker-add .help");
    if (help) help.textContent = "Type a name, slug or email and choose from the list. Untick a partner to take it off.";
    const list = document.createElement("ul");
    list.id = `${id}-results`;
    list.className = "picker-results";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Matching partners");
    list.hidden = true;
    add.after(list);
    add.setAttribute("role", "combobox");
    add.setAttribute("aria-autocomplete", "list");
    add.setAttribute("aria-expanded", "false");
    add.setAttribute("aria-controls", list.id);
    const status = liveRegion(box);
    let timer = null;
    let active = -1;
    let results = [];
    let asked = 0;

    function chosenIds() {
      return new Set(
        Array.from(chosen.querySelectorAll("input:checked")).map((input) => input.value)
      );
    }
    function close() {
      list.hidden = true;
      add.setAttribute("aria-expanded", "false");
      add.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function highlight(index) {
      const items = list.querySelectorAll("[role=option]");
      items.forEach((item, i) => item.setAttribute("aria-selected", String(i === index)));
      active = index;
      if (index >= 0 && items[index]) {
        add.setAttribute("aria-activedescendant", items[index].id);
        items[index].scrollIntoView({ block: "nearest" });
      } else {
        add.removeAttribute("aria-activedescendant");
      }
    }
    function render() {
      list.textContent = "";
      const have = chosenIds();
      results.forEach((partner, index) => {
        const item = document.createElement("li");
        item.id = `${id}-option-${index}`;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        const extra = [partner.tier, (partner.countries || []).join(", ")].filter(Boolean).join(" · ");
        item.textContent = partner.name;
        if (extra) {
          const small = document.createElement("small");
          small.textContent = ` ${extra}`;
          item.appendChild(small);
        }
        if (have.has(String(partner.id))) {
          item.setAttribute("aria-disabled", "true");
          item.appendChild(document.createTextNode(" (chosen)"));
        }
        // mousedown, not click: the box keeps the focus
        item.addEventListener("mousedown", (event) => {
          event.preventDefault();
          choose(index);
        });
        list.appendChild(item);
      });
      if (!results.length) {
        const none = document.createElement("li");
        none.className = "muted";
        none.textContent = "No partner matches.";
        list.appendChild(none);
      }
      list.hidden = false;
      add.setAttribute("aria-expanded", "true");
      status.textContent = results.length
        ? `${results.length} partner${results.length === 1 ? "" : "s"} found; use the arrow keys to choose.`
        : "No partner matches.";
      highlight(results.length ? 0 : -1);
    }
    async function lookup() {
      const query = add.value.trim();
      if (!query) {
        close();
        return;
      }
      const ticket = ++asked;
      const response = await fetch(`${url}?q=${encodeURIComponent(query)}`, {
        headers: { Accept: "application/json" },
      });
      if (ticket !== asked || !response.ok) return; // a later search is on its way
      results = (await response.json()).partners;
      render();
    }
    function choose(index) {
      const partner = results[index];
      if (!partner) return;
      const have = chosenIds();
      if (!have.has(String(partner.id))) {
        const existing = chosen.querySelector(`input[value="${partner.id}"]`);
        if (existing) {
          existing.checked = true;
        } else {
          const item = document.createElement("li");
          const label = document.createElement("label");
          const input = document.createElement("input");
          input.type = "checkbox";
          input.name = fieldName;
          input.value = String(partner.id);
          input.checked = true;
          label.append(input, ` ${partner.name}`);
          item.appendChild(label);
          chosen.appendChild(item);
        }
        status.textContent = `${partner.name} added.`;
        notifyForm(chosen);
      } else {
        status.textContent = `${partner.name} is already chosen.`;
      }
      add.value = "";
      close();
      add.focus();
    }

    add.addEventListener("input", (event) => {
      event.stopPropagation(); // searching is not a change of the form
      clearTimeout(timer);
      timer = setTimeout(lookup, 200);
    });
    add.addEventListener("keydown", (event) => {
      const count = results.length;
      if (event.key === "ArrowDown" && count) {
        event.preventDefault();
        if (list.hidden) render();
        else highlight((active + 1) % count);
      } else if (event.key === "ArrowUp" && count && !list.hidden) {
        event.preventDefault();
        highlight((active - 1 + count) % count);
      } else if (event.key === "Enter") {
        event.preventDefault(); // Enter chooses; it never submits the form from this box
        if (!list.hidden && active >= 0) choose(active);
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault();
        close();
      }
    });
    add.addEventListener("blur", () => setTimeout(close, 150));
    box.classList.add("is-enhanced");
  }

  document.querySelectorAll("[data-picker=checklist]").forEach(enhanceChecklist);
  document.querySelectorAll("[data-picker=partners]").forEach(enhancePartners);
})();
