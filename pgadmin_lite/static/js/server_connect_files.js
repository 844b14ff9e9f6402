// The server dialog's TLS, service and password-file section: files are picked from the user's own file area
// or uploaded (their text goes to the API, never a web-server path); shows names and what is saved, never contents.
import { api, h } from "./api.js";
import { chooseFile } from "./file_dialog.js";
import { addSection } from "./server_form_sections.js";
import { baseName } from "./storage_paths.js";
import { showError } from "./ui.js";

const FILES = [
  { name: "sslrootcert", label: "Root certificate (CA)", shared: true },
  { name: "sslcrl", label: "Certificate revocation list", shared: true },
  { name: "sslcert", label: "Client certificate", shared: false },
  { name: "sslkey", label: "Client key", shared: false },
];
const rows = {};      // name -> {status, pending}; pending: undefined (unchanged), null (remove), {path}|{pem, name}
let els = null;
let saved = null;     // the server as the API showed it (null: a new one)

function statusText(file) {
  const row = rows[file.name];
  if (row.pending === null) return "will be removed";
  if (row.pending) return `${row.pending.name ?? baseName(row.pending.path)} (not saved yet)`;
  if (file.shared) return saved?.tls_files?.[file.name] ?? "none";
  return saved?.tls_client?.includes(file.name) ? "saved" : "none";
}

function refresh() {
  for (const file of FILES) rows[file.name].status.textContent = statusText(file);
  els.sslpassword.placeholder = saved?.tls_client?.includes("sslpassword") ? "(saved — leave empty to keep)" : "";
}

async function pick(file) {
  const choice = await chooseFile({ mode: "open", title: `${file.label} from your files`, okLabel: "Choose" });
  if (!choice) return;
  if (choice.root !== "home") {
    showError(els.error, new Error("Pick the file from your own files (home), not a shared folder."));
    return;
  }
  showError(els.error, null);
  rows[file.name].pending = { path: choice.path };
  refresh();
}

async function upload(file, input) {
  const chosen = input.files?.[0];
  input.value = "";
  if (!chosen) return;
  rows[file.name].pending = { pem: await chosen.text(), name: chosen.name };
  refresh();
}

function fileRow(file) {
  const status = h("span", { class: "connect-file-status", id: `tls-${file.name}-status` });
  const input = h("input", { type: "file", id: `tls-${file.name}-upload`, accept: ".pem,.crt,.key,.crl,text/plain",
    hidden: true });
  input.addEventListener("change", () => upload(file, input));
  rows[file.name] = { status, pending: undefined };
  return h("div", { class: "connect-file wide", "data-file": file.name },
    h("span", { class: "connect-file-label" }, file.label), status,
    h("button", { type: "button", id: `tls-${file.name}-pick`, onclick: () => pick(file) }, "From my files…"),
    h("button", { type: "button", id: `tls-${file.name}-upload-button`, onclick: () => input.click() }, "Upload…"),
    h("button", { type: "button", id: `tls-${file.name}-remove`, onclick: () => {
      rows[file.name].pending = null;
      refresh();
    } }, "Remove"),
    input);
}

async function loadServices() {
  let items = [];
  try {
    items = (await api("GET", "api/v1/servers/services")).items;
  } catch {
    items = [];
  }
  const current = saved?.service ?? "";
  els.service.replaceChildren(h("option", { value: "" }, "none"),
    ...items.map((item) => h("option", { value: item.name },
      item.host ? `${item.name} (${item.host}${item.port ? `:${item.port}` : ""})` : item.name)));
  if (current && !items.some((item) => item.name === current)) els.service.append(h("option", { value: current }, current));
  els.service.value = current;
  els.serviceRow.hidden = items.length === 0 && !current;
}

async function pickPassfile() {
  const choice = await chooseFile({ mode: "open", title: "Password file (.pgpass format) from your files",
    okLabel: "Choose" });
  if (choice?.root === "home") els.passfile.value = choice.path;
}

/** Build the section once, after the dialog's other sections. */
function mountConnectFiles(form) {
  els = {
    error: h("p", { class: "error", role: "alert", id: "connect-files-error", hidden: true }),
    sslpassword: h("input", { type: "password", name: "sslpassword", id: "tls-sslpassword", autocomplete: "new-password" }),
    service: h("select", { name: "service", id: "server-service" }),
    passfile: h("input", { type: "text", name: "passfile", id: "server-passfile", autocomplete: "off",
      placeholder: "none (e.g. /pgpass.txt in your files)" }),
  };
  els.serviceRow = h("label", { class: "wide", hidden: true }, "Service (from the operator's pg_service.conf) ",
    els.service);
  const section = h("fieldset", { class: "server-section form-grid connect-files", id: "server-section-tls" },
    h("legend", {}, "TLS, service and password file"),
    els.error,
    ...FILES.map(fileRow),
    h("label", { class: "wide" }, "Client key passphrase (sslpassword) ", els.sslpassword),
    els.serviceRow,
    h("label", { class: "wide" }, "Password file from your files ", els.passfile,
      h("button", { type: "button", id: "server-passfile-pick", onclick: pickPassfile }, "Choose…")));
  form.querySelector(".server-section-list").append(section);
}

/** Show a server's files (null: a new server); nothing pending. */
function fillConnectFiles(server) {
  saved = server;
  for (const file of FILES) rows[file.name].pending = undefined;
  els.sslpassword.value = "";
  els.passfile.value = server?.passfile ?? "";
  showError(els.error, null);
  refresh();
  loadServices();
}

/** The API fields this section changes (only what the user changed, plus service and passfile). */
function connectFilesBody() {
  const body = { service: els.service.value || null, passfile: els.passfile.value.trim() || null };
  const tlsFiles = {};
  const tlsClient = {};
  for (const file of FILES) {
    const { pending } = rows[file.name];
    if (pending === undefined) continue;
    (file.shared ? tlsFiles : tlsClient)[file.name] = pending;
  }
  if (els.sslpassword.value) tlsClient.sslpassword = els.sslpassword.value;
  if (Object.keys(tlsFiles).length) body.tls_files = tlsFiles;
  if (Object.keys(tlsClient).length) body.tls_client = tlsClient;
  return body;
}

mountConnectFiles(document.querySelector("#server-form"));
addSection({ fill: (form, server) => fillConnectFiles(server), collect: (form, data) => Object.assign(data, connectFilesBody()) });
