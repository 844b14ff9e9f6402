// The server dialog's SSH tunnel section (a section of server_form_sections.js): bastion fields, secrets (typed, pasted, uploaded or picked from the
// user's files; sent only when given, never shown back), the trusted host key and "Forget host key".
import { api } from "./api.js";
import { chooseFile } from "./file_dialog.js";
import { addSection } from "./server_form_sections.js";
import { withSession } from "./session_guard.js";
import { showError } from "./ui.js";

const SECRET_LABELS = { ssh_password: "password", ssh_key: "private key", ssh_passphrase: "passphrase" };
const form = document.querySelector("#server-form");
const errorBox = document.querySelector("#server-form-error");
let server = null;
let keyFile = null;   // a path in the user's home area, sent as ssh_key_file

const $ = (selector) => form.querySelector(selector);

function showAuth() {
  const isKey = form.ssh_auth.value === "key";
  for (const el of form.querySelectorAll(".ssh-key-only")) el.hidden = !isKey;
  for (const el of form.querySelectorAll(".ssh-password-only")) el.hidden = isKey;
}

function showEnabled() {
  $("#ssh-tunnel-fields").hidden = !form.ssh_enabled.checked;
}

function showHostKey(fingerprint) {
  $("#ssh-host-key").hidden = !fingerprint;
  $("#ssh-host-key-fingerprint").textContent = fingerprint ?? "";
  $("#ssh-forget-host-key").hidden = !server?.is_owner;
}

function note(text) {
  const el = $("#ssh-saved");
  el.textContent = text;
  el.hidden = !text;
}

function setKeyFile(path) {
  keyFile = path;
  $("#ssh-key-file").textContent = path ? `Will copy ${path} into the vault when saved.` : "";
}

/** Fill the section from a server of the API (null: a new one). */
function fillSshTunnel(target) {
  server = target;
  const tunnel = target?.ssh_tunnel ?? {};
  const isOn = Boolean(tunnel.host);
  form.ssh_enabled.checked = isOn;
  form.ssh_host.value = tunnel.host ?? "";
  form.ssh_port.value = tunnel.port ?? 22;
  form.ssh_username.value = tunnel.username ?? "";
  form.ssh_auth.value = tunnel.auth ?? "key";
  form.ssh_keepalive_s.value = tunnel.keepalive_s ?? 30;
  for (const name of Object.keys(SECRET_LABELS)) form[name].value = "";
  const saved = (target?.ssh_secrets ?? []).map((name) => SECRET_LABELS[name] ?? name);
  note(saved.length ? `Saved: ${saved.join(", ")} (leave empty to keep).` : "");
  setKeyFile(null);
  showHostKey(target?.ssh_host_key_fingerprint);
  showEnabled();
  showAuth();
}

/** The tunnel's part of the servers API body: its settings ({} turns it off) and the secrets given. */
function sshTunnelBody() {
  if (!form.ssh_enabled.checked) return { ssh_tunnel: {} };
  const auth = form.ssh_auth.value;
  const data = {
    ssh_tunnel: {
      host: form.ssh_host.value.trim(),
      port: Number(form.ssh_port.value || 22),
      username: form.ssh_username.value.trim(),
      auth,
      keepalive_s: Number(form.ssh_keepalive_s.value || 0),
    },
  };
  if (auth === "password" && form.ssh_password.value) data.ssh_password = form.ssh_password.value;
  if (auth === "key") {
    if (form.ssh_key.value.trim()) data.ssh_key = form.ssh_key.value;
    else if (keyFile) data.ssh_key_file = keyFile;
    if (form.ssh_passphrase.value) data.ssh_passphrase = form.ssh_passphrase.value;
  }
  return data;
}

async function forgetHostKey() {
  try {
    await withSession(() => api("DELETE", `api/v1/servers/${server.id}/ssh-host-key`));
    server.ssh_host_key_fingerprint = null;
    showHostKey(null);
    note("The host key is forgotten: the next connection trusts the key it is shown.");
  } catch (err) {
    showError(errorBox, err);
  }
}

async function chooseKeyFile() {
  const picked = await chooseFile({ mode: "open", title: "Choose a private key", okLabel: "Choose" });
  if (!picked) return;
  if (picked.root !== "home") {
    showError(errorBox, new Error("Choose the key from your own files (a shared folder's files are not accepted)."));
    return;
  }
  form.ssh_key.value = "";
  setKeyFile(picked.path);
}

async function uploadKey(event) {
  const file = event.target.files?.[0];
  event.target.value = "";
  if (!file) return;
  form.ssh_key.value = await file.text();
  setKeyFile(null);
}

addSection({ fill: (_form, target) => fillSshTunnel(target), collect: (_form, data) => Object.assign(data, sshTunnelBody()) });
form.ssh_enabled.addEventListener("change", showEnabled);
form.ssh_auth.addEventListener("change", showAuth);
form.ssh_key.addEventListener("input", () => setKeyFile(null));
$("#ssh-forget-host-key").addEventListener("click", forgetHostKey);
$("#ssh-key-choose").addEventListener("click", chooseKeyFile);
$("#ssh-key-upload-button").addEventListener("click", () => $("#ssh-key-upload").click());
$("#ssh-key-upload").addEventListener("change", uploadKey);
