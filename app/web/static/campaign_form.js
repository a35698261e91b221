// Shows how many and which partners the targeting rules match, as the marketer edits them.
(function () {
  const form = document.getElementById("campaign-form");
  if (!form) return;
  const count = document.getElementById("match-count");
  const list = document.getElementById("match-list");
  let timer = null;
  let asked = 0; // the answers can come back out of order: only the latest question's is shown
  async function refresh() {
    const mine = ++asked;
    const response = await fetch(form.dataset.previewUrl, { method: "POST", body: new FormData(form) });
    const data = await response.json();
    if (mine !== asked) return;
    list.textContent = "";
    if (!response.ok) {
      count.textContent = "?";
      const item = document.createElement("li");
      item.textContent = Object.values(data.error.fields || {}).join(" ");
      list.appendChild(item);
      return;
    }
    count.textContent = data.count;
    for (const p of data.partners) {
      const item = document.createElement("li");
      item.textContent = `${p.name} (${p.tier || "no tier"}; ${p.countries.join(", ")})`;
      list.appendChild(item);
    }
    if (data.count > data.partners.length) {
      const more = document.createElement("li");
      more.textContent = `… and ${data.count - data.partners.length} more`;
      list.appendChild(more);
    }
  }
  form.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(refresh, 300); });
  form.addEventListener("change", () => { clearTimeout(timer); timer = setTimeout(refresh, 100); });
  refresh();
})();
