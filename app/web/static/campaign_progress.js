// Live launch progress: polls the campaign's progress while renders are pending or running.
(function () {
  const box = document.getElementById("progress");
  if (!box) return;
  const bar = document.getElementById("progress-bar");
  const text = document.getElementById("progress-text");
  const failures = document.getElementById("failures");
  const retry = document.getElementById("retry-form");
  async function poll() {
    const response = await fetch(box.dataset.url, { headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const p = await response.json();
    bar.max = Math.max(p.total, 1);
    bar.value = p.done;
    text.textContent = `${p.done} of ${p.total} done, ${p.failed} failed`;
    failures.textContent = "";
    for (const f of p.failures) {
      const item = document.createElement("li");
      item.textContent = `${f.partner} · ${f.asset}: ${f.error}`;
      failures.appendChild(item);
    }
    if (retry) retry.hidden = p.failed === 0;
    if (p.pending + p.running > 0) setTimeout(poll, 1000);
  }
  poll();
})();
