// The jobs page: start a backup, restore, maintenance or CSV job; watch its progress bar, elapsed time and
// log (polling); cancel it; download a finished backup. The URL presets the form to an object (the workspace's
// context menus): ?server_id=&database=&kind=backup|restore|maintenance|import|export&schema=&table=
import { ApiError, api, h, url } from "./api.js";
import { chooseFile } from "./file_dialog.js";
import { readyAfter } from "./page_ready.js";
import { formatBytes } from "./storage_format.js";
import { baseName, joinPath, parentOf } from "./storage_paths.js";
import { promptPassword, showError } from "./ui.js";

const $ = (id) => document.getElementById(id);
const els = {
  form: $("job-form"), kind: $("job-kind"), server: $("job-server"), database: $("job-database"),
  databases: $("job-databases"), format: $("job-format"), output: $("job-output"), formError: $("job-form-error"),
  outputRoot: $("job-output-root"), input: $("job-input"), inputRoot: $("job-input-root"), preset: $("job-preset"),
  command: $("job-command"), commandBox: $("job-command-box"),
  start: $("job-start"), detail: $("job-detail"), title: $("job-title"), state: $("job-state"),
  progress: $("job-progress"), progressText: $("job-progress-text"), elapsed: $("job-elapsed"),
  message: $("job-message"), cancel: $("job-cancel"), download: $("job-download"), showFiles: $("job-show-files"),
  log: $("job-log"), table: document.querySelector("#jobs-table tbody"), empty: $("jobs-empty"),
};
const params = new URLSearchParams(window.location.search);
const state = { jobs: [], selected: Number(params.get("job")) || null, timer: null };
const EXTENSIONS = { custom: ".dump", tar: ".tar", directory: "", plain: ".sql" };
const PRESET_KINDS = ["backup", "restore", "maintenance", "import", "export"];
const POLL_MS = 1000;

/** The names of a dotted name; a part in double quotes ("a.b", "say ""hi""") keeps its dots and quotes. */
function splitQualified(text) {
  const s = text.trim();
  const parts = [];
  let i = 0;
  for (;;) {
    let part = "";
    if (s[i] === '"') {
      for (i += 1; i < s.length; i += 1) {
        if (s[i] === '"' && s[i + 1] === '"') i += 1;
        else if (s[i] === '"') break;
        part += s[i];
      }
      i = s.indexOf(".", i);
    } else {
      const dot = s.indexOf(".", i);
      part = s.slice(i, dot < 0 ? s.length : dot).trim();
      i = dot;
    }
    parts.push(part);
    if (i < 0) return parts;
    i += 1;
  }
}

/** "schema.table" → {schema, name}; no dot: the public schema. */
function splitTable(text) {
  const [first, ...rest] = splitQualified(text);
  return rest.length ? { schema: first, name: rest.join(".") } : { schema: "public", name: first };
}

/** One name as typed in a schema.table field: quoted when it holds a dot, a quote or outer spaces. */
const quotePart = (name) => (/[."]|^\s|\s$/.test(name) ? `"${name.replaceAll('"', '""')}"` : name);
const qualified = (schema, name) => `${quotePart(schema)}.${quotePart(name)}`;

const lines = (text) => text.split("\n").map((line) => line.trim()).filter(Boolean);

function stamp() {
  const d = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}`;
}

const safeStem = (name, fallback) => name.replace(/[^A-Za-z0-9_.-]+/g, "_").replace(/^[._-]+|[._-]+$/g, "") || fallback;

/** The default output name for the task, database, object and format. */
function suggestedName() {
  const kind = els.kind.value;
  const db = safeStem(els.database.value, "database");
  if (kind === "backup") {
    const { schemas, tables } = els.form.elements;
    const picked = [...lines(schemas.value), ...lines(tables.value).map((line) => splitTable(line).name)];
    const stem = picked.length === 1 ? `${db}-${safeStem(picked[0], "part")}` : db;
    return `${stem}-${stamp()}${EXTENSIONS[els.format.value]}`;
  }
  if (kind === "backup_globals") return `globals-${stamp()}.sql`;
  if (kind === "export") return `${safeStem(splitTable(els.form.elements.csv_table.value).name, "table")}-${stamp()}.csv`;
  return "";
}

/** The output path follows the suggestion (in the folder chosen, if any) until the user types their own name. */
function suggestOutput() {
  const name = suggestedName();
  if (els.output.dataset.edited || !name) return;
  const { folder } = els.output.dataset;
  els.output.value = folder ? joinPath(folder, name) : name;
}

/** Choose where the output goes (mode "save": folders can be made there) or which file to read. */
async function browse(isOutput) {
  const input = isOutput ? els.output : els.input;
  const root = isOutput ? els.outputRoot : els.inputRoot;
  const current = input.value.trim();
  const folder = current.includes("/") ? parentOf(current.startsWith("/") ? current : `/${current}`) : "/";
  const choice = await chooseFile({ mode: isOutput ? "save" : "open", root: root.value, path: folder,
    name: baseName(current), title: isOutput ? "Save the output in your files" : "Read from your files",
    okLabel: "Choose" });
  if (!choice) return;
  root.value = choice.root;
  input.value = choice.path;
  if (!isOutput) return;
  els.output.dataset.folder = parentOf(choice.path);
  if (baseName(choice.path) === suggestedName()) delete els.output.dataset.edited;
  else els.output.dataset.edited = "1";
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
    suggestOutput();  // the next job gets a new name (in the same folder)
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

function renderDetail(job) {
  els.detail.hidden = false;
  els.title.textContent = `#${job.id} ${job.label} · ${job.database} on ${job.server_name ?? "a removed server"}`;
  els.commandBox.hidden = !job.command;
  els.command.textContent = job.command ?? "";
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
  const embed = params.get("embed");  // a workspace tab stays embedded after a reload
  window.history.replaceState(null, "", url("jobs", { ...(embed ? { embed } : {}), job: id }));
  schedule(0);
}

/** A Copy button for text (the clipboard needs a secure context; the text itself is select-all anyway). */
function copyButton(text) {
  if (!navigator.clipboard) return null;
  return h("button", { type: "button", class: "link job-copy", onclick: (event) => {
    navigator.clipboard.writeText(text).then(() => { event.target.textContent = "Copied"; }, () => {});
  } }, "Copy");
}

function renderList() {
  els.empty.hidden = state.jobs.length > 0;
  els.table.replaceChildren(...state.jobs.flatMap((job) => {
    const bar = h("progress", { max: "100" });
    setProgress(bar, job);
    const row = h("tr", { class: `job-row${job.id === state.selected ? " selected" : ""}`, "data-job-id": job.id },
      h("td", {}, String(job.id)), h("td", {}, job.label),
      h("td", { class: "job-server" }, job.server_name ?? "(removed)"), h("td", {}, job.database),
      h("td", {}, h("span", { class: "badge", "data-state": job.state }, job.state)),
      h("td", {}, bar), h("td", {}, job.started_at ? new Date(job.started_at).toLocaleString() : ""),
      h("td", {}, h("button", { type: "button", class: "link", onclick: () => select(job.id) }, "Details")));
    if (!job.command) return [row];
    return [row, h("tr", { class: "job-command-row", "data-job-id": job.id }, h("td", {}),
      h("td", { colspan: 7 }, h("div", { class: "job-command" }, h("code", {}, job.command), copyButton(job.command))))];
  }));
}

async function refreshList() {
  state.jobs = await api("GET", "api/v1/jobs");
  renderList();
}

/** The selected job and the list, once; polling goes on while something runs. */
async function poll() {
  let active = false;
  try {
    const job = await loadDetail();
    await refreshList();
    active = Boolean(job?.is_active) || state.jobs.some((j) => j.is_active);
  } catch (err) {
    showError(els.formError, err);
  }
  if (active) schedule();
}

/** Poll while something runs: the selected job every second, the list with it. */
function schedule(delay = POLL_MS) {
  clearTimeout(state.timer);
  state.timer = setTimeout(poll, delay);
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
  els.server.replaceChildren(...servers.map((s) => h("option", { value: String(s.id) }, `${s.name} (${s.host ? `${s.host}:${s.port}` : `service ${s.service}`})`)));
  const wanted = params.get("server_id");
  if (wanted && servers.some((s) => String(s.id) === wanted)) els.server.value = wanted;
  const chosen = servers.find((s) => String(s.id) === els.server.value);
  els.database.value = params.get("database") || chosen?.maintenance_db || "";
  if (!servers.length) showError(els.formError, new Error("Register a server first (Servers page)."));
  applyPreset(chosen);
}

/** ?kind=&schema=&table=: the task and its object, as the workspace's context menu asked. */
function applyPreset(server) {
  const kind = params.get("kind");
  if (!PRESET_KINDS.includes(kind)) return;
  els.kind.value = kind;
  const table = params.get("table");
  const schema = params.get("schema") || (table ? "public" : "");
  const { elements } = els.form;
  const name = table ? qualified(schema, table) : "";
  if (kind === "backup" && table) elements.tables.value = name;
  else if (kind === "backup" && schema) elements.schemas.value = schema;
  else if (kind === "maintenance") elements.maintenance_table.value = name;
  else if (kind === "import" || kind === "export") elements.csv_table.value = name;
  let object = `database ${els.database.value}`;
  if (table) object = `table ${schema}.${table} in ${object}`;
  else if (schema && kind === "backup") object = `schema ${schema} in ${object}`;
  const label = els.kind.selectedOptions[0]?.textContent ?? kind;
  els.preset.textContent = `${label}: ${object}${server ? ` on ${server.name}` : ""}.`;
  els.preset.hidden = false;
}

els.kind.addEventListener("change", showKindFields);
els.format.addEventListener("change", suggestOutput);
els.database.addEventListener("input", suggestOutput);
els.form.elements.csv_table.addEventListener("input", suggestOutput);
els.form.elements.tables.addEventListener("input", suggestOutput);
els.form.elements.schemas.addEventListener("input", suggestOutput);
els.output.addEventListener("input", () => { els.output.dataset.edited = "1"; });
$("job-output-browse").addEventListener("click", () => browse(true).catch((err) => showError(els.formError, err)));
$("job-input-browse").addEventListener("click", () => browse(false).catch((err) => showError(els.formError, err)));
$("job-command-copy").hidden = !navigator.clipboard;
$("job-command-copy").addEventListener("click", () => navigator.clipboard.writeText(els.command.textContent));
els.server.addEventListener("change", loadDatabases);
els.form.addEventListener("submit", startJob);
els.cancel.addEventListener("click", cancelSelected);

readyAfter((async () => {
  try {
    await loadServers();
  } catch (err) {
    showError(els.formError, err);
  }
  showKindFields();
  loadDatabases();
  await poll();
})());
