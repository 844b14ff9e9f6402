// The file manager: browse a storage root with breadcrumbs, upload (progress, drag and drop), download,
// new folder, rename, delete. Every path is virtual ("/reports/q1.sql"); the server's sandbox decides.
import { ApiError, api, h, refreshSession, url } from "./api.js";
import { askText, confirmAction } from "./components/dialog.js";
import { readyAfter } from "./page_ready.js";
import { formatBytes } from "./storage_format.js";
import { joinPath as join, parentOf, renderBreadcrumbs } from "./storage_paths.js";
import { errorText, showError } from "./ui.js";

const $ = (id) => document.getElementById(id);
const els = {
  root: $("storage-root"), usage: $("storage-usage"), crumbs: $("storage-crumbs"), error: $("storage-error"),
  table: document.querySelector("#storage-table tbody"), empty: $("storage-empty"), uploads: $("storage-uploads"),
  drop: $("storage-dropzone"), fileInput: $("storage-file-input"), upload: $("storage-upload"),
  newFolder: $("storage-new-folder"), hidden: $("storage-show-hidden"),
};
const params = new URLSearchParams(window.location.search);
const state = { root: params.get("root") || "home", path: params.get("path") || "/", roots: [], limits: null };

const currentRoot = () => state.roots.find((root) => root.name === state.root);
const isWritable = () => currentRoot()?.is_writable ?? false;

async function act(fn) {
  try {
    showError(els.error, null);
    await fn();
  } catch (err) {
    showError(els.error, err);
  }
  await load().catch((err) => showError(els.error, err));
}

const reload = () => act(async () => {});

function navigate(path) {
  state.path = path || "/";
  window.history.replaceState(null, "", url("storage", { root: state.root, path: state.path }));
  reload();
}

function renderCrumbs() {
  renderBreadcrumbs(els.crumbs, { label: currentRoot()?.label ?? state.root, path: state.path, onNavigate: navigate });
}

async function renameEntry(entry, path) {
  const name = await askText({ title: `Rename “${entry.name}”`, label: "New name", value: entry.name,
    confirmLabel: "Rename" });
  if (!name || name === entry.name) return;
  const body = { root: state.root, path, new_path: join(parentOf(path), name) };
  try {
    await api("POST", "api/v1/storage/rename", body);
  } catch (err) {
    if (!(err instanceof ApiError && err.code === "exists" && !entry.is_dir)) throw err;
    if (!await confirmAction({ title: "Replace the file?", message: `“${name}” already exists. Replace it?`,
      confirmLabel: "Replace", isDanger: true })) return;
    await api("POST", "api/v1/storage/rename", { ...body, overwrite: true });
  }
}

async function deleteEntry(entry, path) {
  const question = entry.is_dir
    ? `Delete the folder “${entry.name}” and everything in it? This cannot be undone.`
    : `Delete “${entry.name}”? This cannot be undone.`;
  if (!await confirmAction({ title: "Delete?", message: question, confirmLabel: "Delete", isDanger: true })) return;
  await api("DELETE", "api/v1/storage", undefined,
    { root: state.root, path, ...(entry.is_dir ? { recursive: "true" } : {}) });
}

function row(entry) {
  const path = join(state.path, entry.name);
  const writable = isWritable() && !entry.is_link;
  let name;
  if (entry.is_link) name = h("span", { class: "entry-link", title: "Symbolic links are never followed" }, `${entry.name} (link)`);
  else if (entry.is_dir) name = h("button", { type: "button", class: "link", onclick: () => navigate(path) }, `${entry.name}/`);
  else name = h("span", {}, entry.name);
  return h("tr", { "data-name": entry.name },
    h("td", {}, name),
    h("td", { class: "num" }, entry.is_dir ? "" : formatBytes(entry.size)),
    h("td", {}, new Date(entry.modified).toLocaleString()),
    h("td", { class: "actions" },
      !entry.is_dir && !entry.is_link
        ? h("a", { class: "button", href: url("api/v1/storage/download", { root: state.root, path }), download: entry.name }, "Download")
        : null,
      writable ? h("button", { type: "button", onclick: () => act(() => renameEntry(entry, path)) }, "Rename") : null,
      writable ? h("button", { type: "button", class: "danger", onclick: () => act(() => deleteEntry(entry, path)) }, "Delete") : null));
}

function renderUsage() {
  const limits = state.limits;
  const root = currentRoot();
  if (root?.is_shared) {
    els.usage.textContent = `Shared folder “${root.label}”${root.is_writable ? "" : " (read-only)"}.`
      + (limits ? ` Uploads up to ${formatBytes(limits.max_upload_bytes)} each.` : "");
    return;
  }
  if (!limits) return;
  const quota = limits.quota_bytes ? ` of your ${formatBytes(limits.quota_bytes)} quota` : " (no quota)";
  els.usage.textContent = `Using ${formatBytes(limits.bytes)} in ${limits.files} file(s)${quota}. `
    + `Uploads up to ${formatBytes(limits.max_upload_bytes)} each.`;
}

async function load() {
  const [listing, limits] = await Promise.all([
    api("GET", "api/v1/storage", undefined, { root: state.root, path: state.path, hidden: els.hidden.checked ? "true" : "" }),
    api("GET", "api/v1/storage/usage"),
  ]);
  state.path = listing.path;
  state.limits = limits;
  renderCrumbs();
  renderUsage();
  els.table.replaceChildren(...listing.entries.map(row));
  els.empty.hidden = listing.entries.length > 0;
  els.upload.disabled = els.newFolder.disabled = !isWritable();
}

// --- Uploads: one request per file, so each has its own progress bar, limit and overwrite question. ---

let csrfToken = document.querySelector('meta[name="csrf-token"]')?.content ?? "";

/** The reason a 413 happened: our JSON error, or a reverse proxy's HTML page (its body-size limit). */
export function uploadTooLargeText(body, file, limits) {
  if (body?.error) return errorText(new ApiError(413, body));
  const ours = limits ? ` (pgadmin_lite itself accepts up to ${formatBytes(limits.max_upload_bytes)})` : "";
  return `A proxy in front of pgadmin_lite refused “${file.name}” (${formatBytes(file.size)}) as too large: `
    + `its request body limit is smaller than the file${ours}. Ask the administrator to raise it, e.g. `
    + "nginx client_max_body_size or Apache LimitRequestBody.";
}

function send(file, { overwrite, onProgress }) {
  return new Promise((resolve) => {
    const form = new FormData();
    form.append("root", state.root);  // fields before the file: the server streams the file straight to disk
    form.append("path", state.path);
    if (overwrite) form.append("overwrite", "true");
    form.append("file", file, file.name);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url("api/v1/storage/upload"));
    xhr.setRequestHeader("X-CSRFToken", csrfToken);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", (event) => event.lengthComputable && onProgress(event.loaded / event.total));
    xhr.addEventListener("load", () => {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch { body = null; }
      resolve({ status: xhr.status, body });
    });
    xhr.addEventListener("error", () => resolve({ status: 0, body: null }));
    xhr.addEventListener("abort", () => resolve({ status: -1, body: null }));
    xhr.send(form);
  });
}

function uploadLine(file) {
  const bar = h("progress", { max: "1", value: "0" });
  const status = h("span", { class: "upload-state" }, "waiting");
  const li = h("li", { "data-file": file.name }, h("span", {}, file.name), bar, status);
  els.uploads.append(li);
  return {
    progress: (fraction) => { bar.value = fraction; status.textContent = `${Math.round(fraction * 100)} %`; },
    finish: (ok, text) => { li.className = ok ? "done" : "failed"; bar.value = ok ? 1 : bar.value; status.textContent = text; },
  };
}

async function uploadOne(file) {
  const line = uploadLine(file);
  if (state.limits && file.size > state.limits.max_upload_bytes) {
    line.finish(false, `larger than the upload limit of ${formatBytes(state.limits.max_upload_bytes)}`);
    return;
  }
  let overwrite = false;
  let isTokenRefreshed = false;
  for (;;) {
    const { status, body } = await send(file, { overwrite, onProgress: line.progress });
    if (status === 201) return line.finish(true, "uploaded");
    if (status === 409 && body?.error?.code === "exists" && !overwrite
        && await confirmAction({ title: "Replace the file?", confirmLabel: "Replace", isDanger: true,
          message: `“${file.name}” already exists in ${state.path}. Replace it?` })) {
      overwrite = true;
      continue;
    }
    if (status === 400 && body?.error?.code === "csrf_failed" && !isTokenRefreshed) {
      isTokenRefreshed = true;  // e.g. logged in again in another tab: fetch the new token once and retry
      csrfToken = (await refreshSession().catch(() => null))?.csrf_token ?? csrfToken;
      continue;
    }
    if (status === 413) return line.finish(false, uploadTooLargeText(body, file, state.limits));
    if (status === 0) return line.finish(false, "the connection failed (network error, or a proxy closed it)");
    return line.finish(false, body?.error ? errorText(new ApiError(status, body)) : `failed (HTTP ${status})`);
  }
}

async function uploadFiles(fileList) {
  const files = [...fileList];
  if (!files.length || !isWritable()) return;
  els.uploads.replaceChildren();
  for (const file of files) await uploadOne(file);
  await load().catch((err) => showError(els.error, err));
}

els.upload.addEventListener("click", () => els.fileInput.click());
els.fileInput.addEventListener("change", () => {
  uploadFiles(els.fileInput.files).finally(() => { els.fileInput.value = ""; });
});
for (const type of ["dragenter", "dragover"]) {
  els.drop.addEventListener(type, (event) => {
    if (!isWritable() || !event.dataTransfer?.types.includes("Files")) return;
    event.preventDefault();
    els.drop.classList.add("dragging");
  });
}
els.drop.addEventListener("dragleave", (event) => {
  if (!els.drop.contains(event.relatedTarget)) els.drop.classList.remove("dragging");
});
els.drop.addEventListener("drop", (event) => {
  event.preventDefault();
  els.drop.classList.remove("dragging");
  uploadFiles(event.dataTransfer.files);
});
els.newFolder.addEventListener("click", async () => {
  const name = await askText({ title: "New folder", label: "Name of the new folder", confirmLabel: "Create" });
  if (name) act(() => api("POST", "api/v1/storage/mkdir", { root: state.root, path: join(state.path, name) }));
});
els.hidden.addEventListener("change", () => reload());
els.root.addEventListener("change", () => {
  state.root = els.root.value;
  navigate("/");
});

async function start() {
  state.roots = await api("GET", "api/v1/storage/roots");
  if (!currentRoot()) state.root = "home";
  els.root.replaceChildren(...state.roots.map((root) =>
    h("option", { value: root.name, selected: root.name === state.root }, root.label + (root.is_writable ? "" : " (read-only)"))));
  els.root.closest("label").hidden = state.roots.length < 2;
  await load();
}

readyAfter(start()).catch((err) => showError(els.error, err));
