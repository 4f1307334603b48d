/* Your notebooks: import a .ipynb (the tutorial opens through its form). */
const $ = (id) => document.getElementById(id);
const note = $("list-note");

async function create(url, body) {
  const res = await fetch(url, { method: "POST", credentials: "same-origin",
                                 headers: { "Content-Type": "application/json" }, body });
  const data = await res.json();
  if (res.ok) location.href = data.url;
  else note.textContent = data.detail || res.statusText;
}

$("import-file").addEventListener("change", async (e) => {
  const file = e.target.files[0];
  if (file) create(`/api/notebooks/import/?filename=${encodeURIComponent(file.name)}`, await file.text());
});
