// A small formatting editor for rich-text fields: every <textarea data-richtext> becomes a
// toolbar (bold, italic, link, bulleted and numbered lists, paragraph) over an editable area,
// and the textarea, hidden, keeps the HTML that the form posts. Without this script the
// textarea stays as it is.
//
// The HTML written is the subset that brand_templates/sanitize.py keeps, in the very form it
// writes it: <p>, <ul>/<ol> with <li>, <strong>, <em>, <br> and <a href rel="noopener
// noreferrer"> with an http(s) or mailto address; text escaped as & < >. So the sanitizer gives
// back exactly what the editor wrote (tests/browser/test_richtext.py checks it).
(function () {
  "use strict";

  const DROP = new Set([
    "SCRIPT", "STYLE", "TEMPLATE", "IFRAME", "OBJECT", "EMBED", "NOSCRIPT", "SVG", "MATH",
    "HEAD", "TITLE", "TEXTAREA", "SELECT", "BUTTON", "INPUT", "IMG", "VIDEO", "AUDIO", "CANVAS",
  ]);
  const BLOCKS = new Set([
    "P", "DIV", "H1", "H2", "H3", "H4", "H5", "H6", "BLOCKQUOTE", "PRE", "SECTION", "ARTICLE",
    "HEADER", "FOOTER", "ASIDE", "MAIN", "NAV", "FIGURE", "FIGCAPTION", "ADDRESS", "DL", "DT",
    "DD", "TABLE", "THEAD", "TBODY", "TFOOT", "TR", "TD", "TH", "CAPTION", "HR", "FORM",
    "FIELDSET", "DETAILS", "SUMMARY", "CENTER",
  ]);
  const LISTS = new Set(["UL", "OL"]);

  function escapeText(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function escapeAttribute(text) {
    // as Python's html.escape(quote=True) writes it
    return escapeText(text).replace(/"/g, "&quot;").replace(/'/g, "&#x27;");
  }

  // The address as the sanitizer keeps it (http, https with a host, or mailto), else null.
  function safeHref(value) {
    if (!value) return null;
    // the sanitizer drops control characters and other whitespace than spaces
    const cleaned = Array.from(value.trim()).filter((ch) => ch > " " || ch === " ").join("");
    const scheme = cleaned.split(":", 1)[0];
    if (/\s/.test(scheme) || cleaned.indexOf(":") < 0) return null;
    const lower = scheme.toLowerCase();
    if (lower === "mailto") return cleaned;
    if (lower !== "http" && lower !== "https") return null;
    let url;
    try {
      url = new URL(cleaned);
    } catch (e) {
      return null;
    }
    if (!url.host || !/^https?:\/\/[^/?#\s]/i.test(cleaned)) return null;
    return cleaned;
  }

  function hasBlocks(element) {
    for (const child of element.children) {
      if (BLOCKS.has(child.tagName) || LISTS.has(child.tagName) || child.tagName === "LI") return true;
      if (!DROP.has(child.tagName) && hasBlocks(child)) return true;
    }
    return false;
  }

  // Inline content: text, <br>, <strong>, <em>, <a>. MARKS says what is open already.
  function inline(node, marks) {
    if (node.nodeType === Node.TEXT_NODE) {
      return escapeText(node.data.replace(/\s*[\r\n]+\s*/g, " "));
    }
    if (node.nodeType !== Node.ELEMENT_NODE || DROP.has(node.tagName)) return "";
    const tag = node.tagName;
    if (tag === "BR") return "<br>";
    const inner = (extra) => {
      const next = Object.assign({}, marks, extra);
      let out = "";
      for (const child of node.childNodes) out += inline(child, next);
      return out;
    };
    let strong = tag === "B" || tag === "STRONG";
    let em = tag === "I" || tag === "EM";
    // bold and italic set by a style (pasted from a word processor), or unset by one
    const style = node.getAttribute("style") || "";
    if (/font-weight\s*:\s*(bold|[6-9]00)/i.test(style)) strong = true;
    if (/font-weight\s*:\s*(normal|[1-4]00)/i.test(style)) strong = false;
    if (/font-style\s*:\s*italic/i.test(style)) em = true;
    if (/font-style\s*:\s*normal/i.test(style)) em = false;
    if (tag === "A") {
      const href = marks.a ? null : safeHref(node.getAttribute("href"));
      const content = inner(href ? { a: true } : {});
      if (!href || !visible(content)) return content;
      return `<a href="${escapeAttribute(href)}" rel="noopener noreferrer">${content}</a>`;
    }
    // a paragraph inside a line (or anything else): its content, on a line of its own
    if (BLOCKS.has(tag) || LISTS.has(tag) || tag === "LI") {
      const content = inner({});
      return visible(content) ? `${content}<br>` : "";
    }
    const wrapStrong = strong && !marks.strong;
    const wrapEm = em && !marks.em;
    let content = inner({ strong: marks.strong || wrapStrong, em: marks.em || wrapEm });
    if (!visible(content)) return content;
    if (wrapEm) content = `<em>${content}</em>`;
    if (wrapStrong) content = `<strong>${content}</strong>`;
    return content;
  }

  function visible(html) {
    return html.replace(/<br>/g, "").replace(/<[^>]*>/g, "").trim() !== "";
  }

  function trimBreaks(html) {
    return html.replace(/^(<br>)+/, "").replace(/(<br>)+$/, "");
  }

  function listItem(li) {
    let text = "";
    let nested = "";
    for (const child of li.childNodes) {
      if (child.nodeType === Node.ELEMENT_NODE && LISTS.has(child.tagName)) {
        nested += list(child);
      } else {
        text += inline(child, {});
      }
    }
    text = trimBreaks(text);
    if (!visible(text) && !nested) return "";
    return `<li>${text}${nested}</li>`;
  }

  function list(element) {
    const tag = element.tagName.toLowerCase();
    const items = [];
    let loose = "";
    const flushLoose = () => {
      const text = trimBreaks(loose);
      if (visible(text)) items.push(`<li>${text}</li>`);
      loose = "";
    };
    for (const child of element.childNodes) {
      if (child.nodeType === Node.ELEMENT_NODE && child.tagName === "LI") {
        flushLoose();
        const item = listItem(child);
        if (item) items.push(item);
      } else if (child.nodeType === Node.ELEMENT_NODE && LISTS.has(child.tagName)) {
        // a list right inside a list (an indent): it belongs to the item before it
        flushLoose();
        const nested = list(child);
        if (!nested) continue;
        if (items.length) items[items.length - 1] = items[items.length - 1].replace(/<\/li>$/, `${nested}</li>`);
        else items.push(`<li>${nested}</li>`);
      } else {
        loose += inline(child, {});
      }
    }
    flushLoose();
    return items.length ? `<${tag}>${items.join("")}</${tag}>` : "";
  }

  // Block content: paragraphs and lists; loose inline content becomes a paragraph.
  function blocks(element) {
    let out = "";
    let run = "";
    const flush = () => {
      const text = trimBreaks(run);
      if (visible(text)) out += `<p>${text}</p>`;
      run = "";
    };
    for (const child of element.childNodes) {
      if (child.nodeType !== Node.ELEMENT_NODE) {
        run += inline(child, {});
        continue;
      }
      const tag = child.tagName;
      if (DROP.has(tag)) continue;
      if (LISTS.has(tag)) {
        flush();
        out += list(child);
      } else if (tag === "LI") {
        flush();
        const item = listItem(child);
        if (item) out += `<ul>${item}</ul>`;
      } else if (BLOCKS.has(tag) || hasBlocks(child)) {
        flush();
        out += blocks(child);
      } else {
        run += inline(child, {});
      }
    }
    flush();
    return out;
  }

  // HTML of any kind -> the editor's HTML (see the top of this file).
  function clean(html) {
    const doc = new DOMParser().parseFromString(`<body>${html || ""}</body>`, "text/html");
    return blocks(doc.body);
  }

  // --- the editor -----------------------------------------------------------------------

  let serial = 0;

  function button(text, title, command) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "secondary richtext-button";
    b.textContent = text;
    b.title = title;
    b.dataset.command = command;
    b.tabIndex = -1;
    return b;
  }

  function enhance(textarea) {
    const id = textarea.id || `richtext-${++serial}`;
    const label = document.querySelector(`label[for="${id}"]`);
    if (label && !label.id) label.id = `${id}-label`;
    const name = label ? label.textContent.trim() : "Text";

    const wrapper = document.createElement("div");
    wrapper.className = "richtext";
    const toolbar = document.createElement("div");
    toolbar.className = "richtext-toolbar";
    toolbar.setAttribute("role", "toolbar");
    toolbar.setAttribute("aria-label", `Formatting: ${name}`);
    toolbar.setAttribute("aria-controls", `${id}-editor`);
    const buttons = [
      button("Bold", "Bold (Ctrl+B)", "bold"),
      button("Italic", "Italic (Ctrl+I)", "italic"),
      button("Link", "Link (Ctrl+K)", "link"),
      button("• List", "Bulleted list", "insertUnorderedList"),
      button("1. List", "Numbered list", "insertOrderedList"),
      button("Paragraph", "Plain paragraph", "paragraph"),
    ];
    buttons[0].tabIndex = 0;
    buttons[3].setAttribute("aria-label", "Bulleted list");
    buttons[4].setAttribute("aria-label", "Numbered list");
    toolbar.append(...buttons);

    const editor = document.createElement("div");
    editor.id = `${id}-editor`;
    editor.className = "richtext-editor";
    editor.contentEditable = "true";
    editor.setAttribute("role", "textbox");
    editor.setAttribute("aria-multiline", "true");
    if (label) editor.setAttribute("aria-labelledby", label.id);
    const described = textarea.getAttribute("aria-describedby");
    if (described) editor.setAttribute("aria-describedby", described);
    if (textarea.getAttribute("aria-invalid")) editor.setAttribute("aria-invalid", "true");
    editor.innerHTML = clean(textarea.value); // clean() writes only safe tags and escaped text

    // the link row: an address, add, remove, cancel
    const linkRow = document.createElement("div");
    linkRow.className = "richtext-link";
    linkRow.hidden = true;
    const linkLabel = document.createElement("label");
    linkLabel.htmlFor = `${id}-link`;
    linkLabel.textContent = "Link address";
    const linkInput = document.createElement("input");
    linkInput.type = "text";
    linkInput.id = `${id}-link`;
    linkInput.placeholder = "https://example.com or name@example.com";
    linkInput.autocomplete = "off";
    const linkAdd = document.createElement("button");
    linkAdd.type = "button";
    linkAdd.textContent = "Add link";
    const linkRemove = document.createElement("button");
    linkRemove.type = "button";
    linkRemove.className = "secondary";
    linkRemove.textContent = "Remove link";
    const linkCancel = document.createElement("button");
    linkCancel.type = "button";
    linkCancel.className = "secondary";
    linkCancel.textContent = "Cancel";
    const linkError = document.createElement("p");
    linkError.className = "error";
    linkError.id = `${id}-link-error`;
    linkError.hidden = true;
    linkInput.setAttribute("aria-describedby", linkError.id);
    linkRow.append(linkLabel, linkInput, linkAdd, linkRemove, linkCancel, linkError);

    const counter = document.createElement("small");
    counter.className = "help richtext-count";
    counter.setAttribute("aria-live", "polite");
    const limit = parseInt(textarea.dataset.maxText || "0", 10);

    wrapper.append(toolbar, linkRow, editor);
    if (limit) wrapper.append(counter);
    textarea.before(wrapper);
    textarea.hidden = true;
    if (label) label.addEventListener("click", () => editor.focus());

    function sync() {
      const html = clean(editor.innerHTML);
      if (textarea.value !== html) {
        textarea.value = html;
        // the live preview listens to the field that the form posts
        textarea.dispatchEvent(new Event("input", { bubbles: true }));
      }
      if (limit) {
        const length = editor.textContent.replace(/\s+/g, " ").trim().length;
        counter.textContent = `${length} of ${limit} characters`;
        counter.classList.toggle("error", length > limit);
      }
      refreshState();
    }

    function inside(tag) {
      const selection = window.getSelection();
      if (!selection.rangeCount) return null;
      let node = selection.getRangeAt(0).startContainer;
      while (node && node !== editor) {
        if (node.nodeType === Node.ELEMENT_NODE && node.tagName === tag) return node;
        node = node.parentNode;
      }
      return null;
    }

    function selectionInEditor() {
      const selection = window.getSelection();
      return selection.rangeCount && editor.contains(selection.getRangeAt(0).commonAncestorContainer);
    }

    function refreshState() {
      if (!selectionInEditor()) return;
      const state = {
        bold: document.queryCommandState("bold"),
        italic: document.queryCommandState("italic"),
        insertUnorderedList: Boolean(inside("UL")),
        insertOrderedList: Boolean(inside("OL")),
        link: Boolean(inside("A")),
      };
      for (const b of buttons) {
        if (b.dataset.command in state) b.setAttribute("aria-pressed", String(state[b.dataset.command]));
      }
    }

    let savedRange = null;
    function openLink() {
      const selection = window.getSelection();
      savedRange = selectionInEditor() ? selection.getRangeAt(0).cloneRange() : null;
      const anchor = inside("A");
      linkInput.value = anchor ? anchor.getAttribute("href") : "";
      linkRemove.hidden = !anchor;
      linkError.hidden = true;
      linkInput.removeAttribute("aria-invalid");
      linkRow.hidden = false;
      linkInput.focus();
    }
    function closeLink() {
      linkRow.hidden = true;
      restore();
    }
    function restore() {
      editor.focus();
      if (savedRange) {
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(savedRange);
      }
    }
    function applyLink() {
      let address = linkInput.value.trim();
      if (/^[^\s@:/]+@[^\s@]+\.[^\s@]+$/.test(address)) address = `mailto:${address}`;
      else if (/^www\./i.test(address)) address = `https://${address}`;
      const href = safeHref(address);
      if (!href) {
        linkError.textContent = "Use a web address that starts with https:// or an email address.";
        linkError.hidden = false;
        linkInput.setAttribute("aria-invalid", "true");
        linkInput.focus();
        return;
      }
      linkRow.hidden = true;
      restore();
      if (window.getSelection().isCollapsed) {
        const text = escapeText(address.replace(/^mailto:/i, ""));
        document.execCommand("insertHTML", false, `<a href="${escapeAttribute(href)}">${text}</a>`);
      } else {
        document.execCommand("createLink", false, href);
      }
      sync();
    }

    function run(command) {
      if (command === "link") {
        openLink();
        return;
      }
      editor.focus();
      document.execCommand("defaultParagraphSeparator", false, "p");
      if (command === "paragraph") {
        // out of a list, else a plain paragraph
        const listTag = inside("UL") ? "insertUnorderedList" : inside("OL") ? "insertOrderedList" : null;
        if (listTag) document.execCommand(listTag);
        else document.execCommand("formatBlock", false, "p");
      } else {
        document.execCommand(command);
      }
      sync();
    }

    // mousedown keeps the selection in the editor while a button is pressed
    toolbar.addEventListener("mousedown", (event) => {
      if (event.target.closest("button")) event.preventDefault();
    });
    toolbar.addEventListener("click", (event) => {
      const b = event.target.closest("button");
      if (b) run(b.dataset.command);
    });
    // one tab stop for the toolbar; the arrow keys move along it (the ARIA toolbar pattern)
    toolbar.addEventListener("keydown", (event) => {
      const index = buttons.indexOf(document.activeElement);
      if (index < 0) return;
      let next = null;
      if (event.key === "ArrowRight") next = (index + 1) % buttons.length;
      else if (event.key === "ArrowLeft") next = (index - 1 + buttons.length) % buttons.length;
      else if (event.key === "Home") next = 0;
      else if (event.key === "End") next = buttons.length - 1;
      if (next === null) return;
      event.preventDefault();
      buttons[index].tabIndex = -1;
      buttons[next].tabIndex = 0;
      buttons[next].focus();
    });

    editor.addEventListener("focus", () => document.execCommand("defaultParagraphSeparator", false, "p"));
    editor.addEventListener("input", (event) => {
      event.stopPropagation(); // the textarea announces the change, with the HTML posted
      sync();
    });
    editor.addEventListener("keyup", refreshState);
    editor.addEventListener("mouseup", refreshState);
    editor.addEventListener("keydown", (event) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "k") {
        event.preventDefault();
        openLink();
      }
    });
    // pasted text keeps bold, italic, links and lists, and nothing else
    editor.addEventListener("paste", (event) => {
      const data = event.clipboardData;
      if (!data) return;
      event.preventDefault();
      const html = data.getData("text/html");
      if (html) document.execCommand("insertHTML", false, clean(html));
      else document.execCommand("insertText", false, data.getData("text/plain"));
    });

    linkAdd.addEventListener("click", applyLink);
    linkCancel.addEventListener("click", closeLink);
    linkRemove.addEventListener("click", () => {
      linkRow.hidden = true;
      restore();
      const anchor = inside("A");
      if (anchor) {
        const range = document.createRange();
        range.selectNodeContents(anchor);
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
      }
      document.execCommand("unlink");
      sync();
    });
    linkInput.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault(); // Enter adds the link; it does not submit the form
        applyLink();
      } else if (event.key === "Escape") {
        event.preventDefault();
        closeLink();
      }
    });
    linkInput.addEventListener("input", (event) => event.stopPropagation());

    if (limit) sync();
  }

  window.TandemRichtext = { clean };
  document.querySelectorAll("textarea[data-richtext]").forEach(enhance);
})();
