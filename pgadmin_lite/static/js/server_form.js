// The add/edit server dialog: fields to the servers API body, the server's errors shown in place.
import { api } from "./api.js";
import { withSession } from "./session_guard.js";
import { showError } from "./ui.js";
import { connectFilesBody, fillConnectFiles, mountConnectFiles } from "./server_connect_files.js";

const dialog = document.querySelector("#server-dialog");
const form = document.querySelector("#server-form");
const errorBox = document.querySelector("#server-form-error");
const title = document.querySelector("#server-dialog-title");
let current = null;   // the server being edited, or null for a new one
let onSaved = null;
const MODES = ["autocommit", "auto_rollback", "single_transaction"];
const MODE_VALUES = { on: true, off: false };
mountConnectFiles(form);

function fill(server) {
  form.reset();
  const params = server?.connect_params ?? {};
  form.name.value = server?.name ?? "";
  form.group.value = server?.group ?? "";
  form.host.value = server?.host ?? "";
  form.port.value = server?.port ?? 5432;
  form.maintenance_db.value = server?.maintenance_db ?? "postgres";
  form.username.value = server?.username ?? "";
  form.password.value = "";
  form.password.placeholder = server?.has_saved_password ? "(saved — leave empty to keep)" : "";
  form.save_password.checked = Boolean(server?.has_saved_password);
  form.sslmode.value = server?.sslmode ?? "prefer";
  form.connect_timeout.value = params.connect_timeout ?? "";
  form.application_name.value = params.application_name ?? "";
  if (form.is_shared) form.is_shared.checked = Boolean(server?.is_shared);
  for (const name of MODES) {
    const value = server?.query_modes?.[name];
    form[`mode_${name}`].value = value === undefined ? "" : value ? "on" : "off";
  }
  fillConnectFiles(server);
}

/** The server's query-tool defaults: only the modes set here ("app default" leaves a mode out). */
function queryModes() {
  const modes = {};
  for (const name of MODES) {
    const value = form[`mode_${name}`].value;
    if (value in MODE_VALUES) modes[name] = MODE_VALUES[value];
  }
  return modes;
}

function body() {
  const params = { ...(current?.connect_params ?? {}) };
  const timeout = form.connect_timeout.value.trim();
  const appName = form.application_name.value.trim();
  if (timeout) params.connect_timeout = Number(timeout); else delete params.connect_timeout;
  if (appName) params.application_name = appName; else delete params.application_name;
  const data = {
    name: form.name.value.trim(),
    group: form.group.value.trim() || "Servers",
    host: form.host.value.trim(),
    port: Number(form.port.value),
    maintenance_db: form.maintenance_db.value.trim(),
    username: form.username.value.trim(),
    sslmode: form.sslmode.value,
    connect_params: params,
    query_modes: queryModes(),
    save_password: form.save_password.checked,
  };
  if (form.password.value) data.password = form.password.value;
  if (form.is_shared) data.is_shared = form.is_shared.checked;
  Object.assign(data, connectFilesBody());
  return data;
}

/** Open the dialog for a new server (null) or an existing one; onDone runs after a save. */
export function openServerForm(server, onDone) {
  current = server;
  onSaved = onDone;
  title.textContent = server ? `Edit server “${server.name}”` : "Add server";
  showError(errorBox, null);
  fill(server);
  dialog.showModal();
  form.name.focus();
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const save = form.querySelector("#server-save");
  save.disabled = true;
  try {
    showError(errorBox, null);
    const data = body();
    if (current) await withSession(() => api("PATCH", `api/v1/servers/${current.id}`, data));
    else await withSession(() => api("POST", "api/v1/servers", data));
    dialog.close();
    await onSaved?.();
  } catch (err) {
    showError(errorBox, err);
  } finally {
    save.disabled = false;
  }
});

// Typing a password means keeping it: the API only accepts a password to save it.
form.password.addEventListener("input", () => {
  if (form.password.value) form.save_password.checked = true;
});

document.querySelector("#server-cancel").addEventListener("click", () => dialog.close());
