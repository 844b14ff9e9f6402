// The jobs page: start a backup, restore, maintenance or CSV job; watch its progress bar, elapsed time and
// log (polling); cancel it; download a finished backup. ?server_id=&database= preselect the target.
import { ApiError, api, h, url } from "./api.js";
import { formatBytes } from "./storage_format.js";
import { promptPassword, showError } from "./ui.js";

const $ = (id) => document.getElementById(id);
const els = {
  form: $("job-form"), kind: $("job-kind"), server: $("job-server"), database: $("job-database"),
  databases: $("job-databases"), format: $("job-format"), output: $("job-output"), formError: $("job-form-error"),
  start: $("job-start"), detail: $("job-detail"), title: $("job-title"), state: $("job-state"),
  progress: $("job-progress"), progressText: $("job-progress-text"), elapsed: $("job-elapsed"),
  message: $("job-message"), cancel: $("job-cancel"), download: $("job-download"), showFiles: $("job-show-files"),
  log: $("job-log"), table: document.querySelector("#jobs-table tbody"), empty: $("jobs-empty"),
};
const params = new URLSearchParams(window.location.search);
const state = { jobs: [], selected: Number(params.get("job")) || null, timer: null };
const EXTENSIONS = { custom: ".dump", tar: ".tar", directory: "", plain: ".sql" };
const POLL_MS = 1000;

/** "schema.table" → {schema, name}; no dot: the public schema. */
function splitTable(text) {
  const value = text.trim();
  const dot = value.indexOf(".");
  return dot < 0 ? { schema: "public", name: value } : { schema: value.slice(0, dot), name: value.slice(dot + 1) };
}

const lines = (text) => text.split("\n").map((line) => line.trim()).filter(Boolean);

function stamp() {
  const d = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}`;
}

const safeStem = (name, fallback) => name.replace(/[^A-Za-z0-9_.-]+/g, "_").replace(/^[._-]+|[._-]+$/g, "") || fallback;

/** A default output name that follows the task, database and format until the user types their own. */
function suggestOutput() {
  if (els.output.dataset.edited) return;
  const kind = els.kind.value;
  const db = safeStem(els.database.value, "database");
  if (kind === "backup") els.output.value = `${db}-${stamp()}${EXTENSIONS[els.format.value]}`;
  else if (kind === "backup_globals") els.output.value = `globals-${stamp()}.sql`;
  else if (kind === "export") {
    const table = splitTable(els.form.elements.csv_table.value).name;
    els.output.value = `${safeStem(table, "table")}-${stamp()}.csv`;
  }
}

function showKindFields() {
  for (const fieldset of els.form.querySelectorAll("fieldset[data-kinds]")) {
    fieldset.hidden = !fieldset.dataset.kinds.split(" ").includes(els.kind.value);
  }
  suggestOutput();
}

/** The visible fields as the API's body. */
function formBody() {
  const body = { kind: els.kind.value, server_id: Number(els.server.value) };
  if (els.database.value.trim()) body.database = els.database.value.trim();
  for (const input of els.form.querySelectorAll("fieldset:not([hidden]) [name]")) {
    const { name } = input;
    const value = input.type === "checkbox" ? input.checked : input.value.trim();
    if (value === "" && input.type !== "checkbox") continue;
    if (name === "schemas") body.schemas = lines(value);
    else if (name === "tables") body.tables = lines(value).map(splitTable);
    else if (name === "compression") body.compression = Number(value);
    else if (name === "maintenance_table" || name === "csv_table") Object.assign(body, tableFields(value));
    else if (name === "columns") body.columns = value.split(",").map((c) => c.trim()).filter(Boolean);
    else if (name === "csv_encoding") body.encoding = value;
    else body[name] = value;
  }
  return body;
}

function tableFields(value) {
  const table = splitTable(value);
  return { schema: table.schema, table: table.name };
}

async function startJob(event) {
  event.preventDefault();
  showError(els.formError, null);
  els.start.disabled = true;
  const body = formBody();
  try {
    let job;
    try {
      job = await api("POST", "api/v1/jobs", body);
    } catch (err) {
      if (!(err instanceof ApiError && err.code === "password_required")) throw err;
      const password = await promptPassword("Database password", err.message);
      if (password === null) return;
      job = await api("POST", "api/v1/jobs", { ...body, password });
    }
    delete els.output.dataset.edited;
    select(job.id);
    await refreshList();
  } catch (err) {
    showError(els.formError, err);
  } finally {
    els.start.disabled = false;
  }
}

function elapsedText(job) {
  if (!job.started_at) return "";
  const end = job.ended_at ? new Date(job.ended_at) : new Date();
  const seconds = Math.max(0, Math.round((end - new Date(job.started_at)) / 1000));
  const minutes = Math.floor(seconds / 60);
  return minutes ? `${minutes}m ${String(seconds % 60).padStart(2, "0")}s` : `${seconds}s`;
}

function progressText(job) {
  const p = job.progress || {};
  const parts = [];
  if (p.percent != null) parts.push(`${Math.round(p.percent)} %`);
  if (p.total && p.unit && p.unit !== "bytes") parts.push(`${p.done} of ${p.total} ${p.unit}`);
  else if (p.unit === "rows" && p.done) parts.push(`${p.done} rows`);
  if (p.rows != null && p.unit !== "rows") parts.push(`${p.rows} rows`);
  if (p.bytes) parts.push(formatBytes(p.bytes));
  return parts.join(" · ");
}

function setProgress(bar, job) {
  const percent = job.progress?.percent;
  if (percent == null && job.is_active) bar.removeAttribute("value"); // indeterminate
  else bar.setAttribute("value", String(Math.round(percent ?? 0)));
}

const parentOf = (path) => path.replace(/\/[^/]*$/, "") || "/";

function renderDetail(job) {
  els.detail.hidden = false;
  els.title.textContent = `#${job.id} ${job.label} · ${job.database}`;
  els.state.textContent = job.is_cancel_requested && job.is_active ? "cancelling" : job.state;
  els.state.dataset.state = job.state;
  setProgress(els.progress, job);
  els.progressText.textContent = progressText(job);
  els.elapsed.textContent = job.started_at ? `Elapsed ${elapsedText(job)}` : "";
  els.message.textContent = job.message || "";
  els.cancel.hidden = !job.is_active;
  const saved = job.output?.is_saved ? job.output : null;
  els.download.hidden = !saved || saved.is_dir;
  els.showFiles.hidden = !saved;
  if (saved) {
    els.download.href = url("api/v1/storage/download", { root: saved.root, path: saved.path });
    els.showFiles.href = url("storage", { root: saved.root, path: parentOf(saved.path) });
  }
}

async function loadDetail() {
  if (!state.selected) return;
  const [job, log] = await Promise.all([
    api("GET", `api/v1/jobs/${state.selected}`), api("GET", `api/v1/jobs/${state.selected}/log`)]);
  renderDetail(job);
  const atBottom = els.log.scrollTop + els.log.clientHeight >= els.log.scrollHeight - 4;
  els.log.textContent = (log.is_truncated ? "… (older lines dropped)\n" : "") + log.text;
  if (atBottom) els.log.scrollTop = els.log.scrollHeight;
  return job;
}

function select(id) {
  state.selected = id;
  window.history.replaceState(null, "", url("jobs", { job: id }));
  schedule(0);
}

function renderList() {
  els.empty.hidden = state.jobs.length > 0;
  els.table.replaceChildren(...state.jobs.map((job) => {
    const bar = h("progress", { max: "100" });
    setProgress(bar, job);
    return h("tr", { class: job.id === state.selected ? "selected" : null },
      h("td", {}, String(job.id)), h("td", {}, job.label), h("td", {}, job.database),
      h("td", {}, h("span", { class: "badge", "data-state": job.state }, job.state)),
      h("td", {}, bar), h("td", {}, job.started_at ? new Date(job.started_at).toLocaleString() : ""),
      h("td", {}, h("button", { type: "button", class: "link", onclick: () => select(job.id) }, "Details")));
  }));
}

async function refreshList() {
  state.jobs = await api("GET", "api/v1/jobs");
  renderList();
}

/** Poll while something runs: the selected job every second, the list with it. */
function schedule(delay = POLL_MS) {
  clearTimeout(state.timer);
  state.timer = setTimeout(async () => {
    let active = false;
    try {
      const job = await loadDetail();
      await refreshList();
      active = Boolean(job?.is_active) || state.jobs.some((j) => j.is_active);
    } catch (err) {
      showError(els.formError, err);
    }
    if (active) schedule();
  }, delay);
}

async function cancelSelected() {
  els.cancel.disabled = true;
  try {
    renderDetail(await api("POST", `api/v1/jobs/${state.selected}/cancel`));
  } catch (err) {
    showError(els.formError, err);
  } finally {
    els.cancel.disabled = false;
    schedule(0);
  }
}

async function loadDatabases() {
  els.databases.replaceChildren();
  if (!els.server.value) return;
  try {
    const rows = await api("GET", `api/v1/servers/${els.server.value}/databases`);
    els.databases.replaceChildren(...rows.map((row) => h("option", { value: row.name ?? row.datname ?? row })));
  } catch {
    // the list is a convenience; a server that needs a password still accepts a typed name
  }
}

async function loadServers() {
  const servers = await api("GET", "api/v1/servers");
  els.server.replaceChildren(...servers.map((s) => h("option", { value: String(s.id) }, `${s.name} (${s.host}:${s.port})`)));
  const wanted = params.get("server_id");
  if (wanted && servers.some((s) => String(s.id) === wanted)) els.server.value = wanted;
  const chosen = servers.find((s) => String(s.id) === els.server.value);
  els.database.value = params.get("database") || chosen?.maintenance_db || "";
  if (!servers.length) showError(els.formError, new Error("Register a server first (Servers page)."));
}

els.kind.addEventListener("change", showKindFields);
els.format.addEventListener("change", suggestOutput);
els.database.addEventListener("input", suggestOutput);
els.form.elements.csv_table.addEventListener("input", suggestOutput);
els.output.addEventListener("input", () => { els.output.dataset.edited = "1"; });
els.server.addEventListener("change", loadDatabases);
els.form.addEventListener("submit", startJob);
els.cancel.addEventListener("click", cancelSelected);

(async () => {
  try {
    await loadServers();
  } catch (err) {
    showError(els.formError, err);
  }
  showKindFields();
  loadDatabases();
  schedule(0);
})();
