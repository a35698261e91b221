// Live preview of a partner's unsaved values, and "copy HTML" for email assets.
(function () {
  const form = document.getElementById("asset-form");
  const preview = document.getElementById("preview");
  const problem = document.getElementById("preview-error");
  if (!form || !preview) return;
  let timer = null;
  let lastUrl = null;
  async function refresh() {
    const body = new FormData(form);
    // uploads are used when the form is saved; the preview does not send them each time
    for (const input of form.querySelectorAll("input[type=file]")) body.delete(input.name);
    const response = await fetch(form.dataset.previewUrl, { method: "POST", body });
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
    if (preview.tagName === "IFRAME") {
      preview.srcdoc = await blob.text();
    } else {
      if (lastUrl) URL.revokeObjectURL(lastUrl);
      lastUrl = URL.createObjectURL(blob);
      preview.src = lastUrl;
    }
  }
  form.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(refresh, 600); });
  const copy = document.getElementById("copy-html");
  if (copy) {
    copy.addEventListener("click", async () => {
      const html = await (await fetch(copy.dataset.url)).text();
      await navigator.clipboard.writeText(html);
      copy.textContent = "Copied";
    });
  }
})();
