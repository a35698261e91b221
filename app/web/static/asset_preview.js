// Live preview of a partner's unsaved values, and "copy HTML" (saved first) for email assets.
(function () {
  const form = document.getElementById("asset-form");
  const preview = document.getElementById("preview");
  const problem = document.getElementById("preview-error");
  if (!form || !preview) return;
  let timer = null;
  let lastUrl = null;
  let asked = 0; // the answers can come back out of order: only the latest question's is shown
  async function refresh() {
    const mine = ++asked;
    const body = new FormData(form);
    // uploads are used when the form is saved; the preview does not send them each time
    for (const input of form.querySelectorAll("input[type=file]")) body.delete(input.name);
    const response = await fetch(form.dataset.previewUrl, { method: "POST", body });
    if (mine !== asked) return;
    if (!response.ok) {
      let message = "This cannot be previewed.";
      try {
        const data = await response.json();
        message = Object.values(data.error.fields || {}).join(" ") || data.error.message;
      } catch (e) { /* not JSON */ }
      problem.textContent = message;
      problem.hidden = false;
      return;
    }
    problem.hidden = true;
    const blob = await response.blob();
    if (mine !== asked) return;
    if (preview.tagName === "IFRAME") {
      preview.srcdoc = await blob.text();
    } else {
      if (lastUrl) URL.revokeObjectURL(lastUrl);
      lastUrl = URL.createObjectURL(blob);
      preview.src = lastUrl;
    }
  }
  form.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(refresh, 600); });
  // "Copy HTML" copies what the partner sees: like the Download buttons, it saves the form
  // first (download=html; nothing new is saved when nothing changed), then copies the file
  // made with those values. A refused value: the form is saved the usual way, so that the
  // page shows the error beside its field.
  const copy = document.getElementById("copy-html");
  if (copy) {
    copy.addEventListener("click", async () => {
      const body = new FormData(form);
      body.set("download", "html");
      // form.action would be the "action" buttons of the form: the attribute, or this page
      const url = form.getAttribute("action") || window.location.pathname;
      const response = await fetch(url, { method: "POST", body });
      if (!response.ok || !new URL(response.url).pathname.endsWith("/download/html")) {
        const save = form.querySelector('button[name="action"][value="save"]');
        if (save) form.requestSubmit(save);
        else form.submit();
        return;
      }
      await navigator.clipboard.writeText(await response.text());
      form.dispatchEvent(new CustomEvent("tandem:saved"));
      copy.textContent = "Copied";
    });
  }
})();
