// The add/edit server dialog: sections (General, Connection, Parameters, Advanced, Query tool, and those other
// modules add), fields to the servers API body, a Test of the form as filled, the server's errors shown in place.
import { api, h } from "./api.js";
import { afterSaveSections, collectSections, fillSections } from "./server_form_sections.js";
import "./server_form_options.js";
import "./server_connect_files.js";
import "./ssh_tunnel_form.js";
import "./server_sharing_form.js";
import { withSession } from "./session_guard.js";
import { errorText, promptPassword, showError } from "./ui.js";

const dialog = document.querySelector("#server-dialog");
const form = document.querySelector("#server-form");
const errorBox = document.querySelector("#server-form-error");
const title = document.querySelector("#server-dialog-title");
const testResult = document.querySelector("#server-test-result");
const testButton = document.querySelector("#server-test");
let current = null;   // the server being edited, or null for a new one
let onSaved = null;

/** The section nav: one link per fieldset.server-section, named by its legend (sections added later included). */
function buildNav() {
  const nav = form.querySelector("nav.server-sections");
  nav.replaceChildren(...[...form.querySelectorAll("fieldset.server-section")].map((section) => h("a", {
    href: `#${section.id}`, class: "server-section-link",
    onclick: (event) => {
      event.preventDefault();
      section.scrollIntoView({ block: "start" });
    },
  }, section.querySelector("legend").textContent)));
}

function fill(server) {
  form.reset();
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
  fillSections(form, server);
}

function body() {
  const data = {
    name: form.name.value.trim(),
    group: form.group.value.trim() || "Servers",
    host: form.host.value.trim(),
    port: Number(form.port.value),
    maintenance_db: form.maintenance_db.value.trim(),
    username: form.username.value.trim(),
    sslmode: form.sslmode.value,
    connect_params: { ...(current?.connect_params ?? {}) },
    save_password: form.save_password.checked,
  };
  collectSections(form, data, current);
  if (form.password.value) data.password = form.password.value;
  return data;
}

/** The input an error's field names ("connect_params.keepalives", "colors.bg", "db_restriction[1]"), if any. */
function inputFor(field) {
  if (!field) return null;
  const [head, rest] = field.split(/[.[]/);
  const name = head === "colors" ? `color_${rest}` : ["connect_params", "query_defaults"].includes(head) ? rest : head;
  const input = form.elements.namedItem(name ?? "");
  return input instanceof Element ? input : null;
}

function showFormError(err) {
  showError(errorBox, err);
  const input = inputFor(err?.body?.error?.field);
  if (input) {
    input.scrollIntoView({ block: "center" });
    input.focus();
  } else {
    errorBox.scrollIntoView({ block: "nearest" });
  }
}

/** Open the dialog for a new server (null) or an existing one; onDone runs after a save. */
export function openServerForm(server, onDone) {
  current = server;
  onSaved = onDone;
  title.textContent = server ? `Edit server “${server.name}”` : "Add server";
  showError(errorBox, null);
  testResult.hidden = true;
  fill(server);
  buildNav();
  dialog.showModal();
  form.name.focus();
}

/** Test the form as filled (nothing is saved); a server that wants a password asks for one, kept for this test only. */
async function testForm() {
  testButton.disabled = true;
  showError(errorBox, null);
  testResult.hidden = false;
  testResult.className = "test-result";
  testResult.textContent = "Connecting…";
  const data = { ...body(), ...(current ? { server_id: current.id } : {}) };
  try {
    for (;;) {
      try {
        const info = await withSession(() => api("POST", "api/v1/servers/test", data));
        testResult.classList.add("ok");
        const role = info.current_user && info.current_user !== info.username ? ` (role ${info.current_user})` : "";
        testResult.textContent = `Connected: PostgreSQL ${info.server_version} as ${info.username}${role}`
          + ` — round trip ${info.latency_ms} ms, connect ${info.connect_ms} ms.`;
        return;
      } catch (err) {
        if (err.code === "password_required" && !data.password) {
          const password = await promptPassword(`Password for ${data.username}`, err.message);
          if (password !== null) {
            data.password = password;
            continue;
          }
        }
        testResult.classList.add("failed");
        testResult.textContent = errorText(err);
        if (err.status === 400) showFormError(err);
        return;
      }
    }
  } finally {
    testButton.disabled = false;
  }
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const save = form.querySelector("#server-save");
  save.disabled = true;
  try {
    showError(errorBox, null);
    const data = body();
    if (current) current = await withSession(() => api("PATCH", `api/v1/servers/${current.id}`, data));
    else current = await withSession(() => api("POST", "api/v1/servers", data));  // saved: a retry edits it
    await afterSaveSections(current);
    dialog.close();
    await onSaved?.();
  } catch (err) {
    showFormError(err);
  } finally {
    save.disabled = false;
  }
});

// Typing a password means keeping it: the API only accepts a password to save it.
form.password.addEventListener("input", () => {
  if (form.password.value) form.save_password.checked = true;
});

testButton.addEventListener("click", testForm);
document.querySelector("#server-cancel").addEventListener("click", () => dialog.close());
