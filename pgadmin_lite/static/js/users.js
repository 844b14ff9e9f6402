// Administrator page: list, add, promote/demote, (de)activate, unlock, reset password, delete users.
import { api, h } from "./api.js";
import { askText, confirmAction } from "./components/dialog.js";
import { readyAfter } from "./page_ready.js";
import { openServersImport } from "./servers_import.js";
import { formatBytes } from "./storage_format.js";
import { mfaResetButton } from "./users_mfa.js";

const table = document.querySelector("#users-table tbody");
const errorBox = document.querySelector("#users-error");

function showError(err) {
  errorBox.textContent = err ? `${err.message}${err.hint ? ` — ${err.hint}` : ""}` : "";
  errorBox.hidden = !err;
}

async function act(fn) {
  try {
    showError(null);
    await fn();
    await load();
  } catch (err) {
    showError(err);
  }
}

function row(user) {
  const patch = (body) => act(() => api("PATCH", `api/v1/users/${user.id}`, body));
  const status = [user.is_active ? "active" : "inactive"];
  if (user.locked_until) status.push(`locked until ${new Date(user.locked_until).toLocaleString()}`);
  if (user.must_change_password) status.push("must change password");
  if (user.has_totp) status.push("2FA on");
  return h("tr", { "data-email": user.email },
    h("td", {}, user.email),
    h("td", {}, user.is_admin ? "administrator" : "user"),
    h("td", {}, status.join(", ")),
    h("td", { class: "num" }, `${formatBytes(user.storage_bytes)} in ${user.storage_files ?? 0} file(s)`),
    h("td", { class: "actions" },
      h("button", { onclick: () => patch({ is_admin: !user.is_admin }) }, user.is_admin ? "Demote" : "Make admin"),
      h("button", { onclick: () => patch({ is_active: !user.is_active }) }, user.is_active ? "Deactivate" : "Activate"),
      user.locked_until ? h("button", { onclick: () => patch({ unlock: true }) }, "Unlock") : null,
      h("button", {
        onclick: async () => {
          const password = await askText({ title: `Reset the password of ${user.email}`, type: "password",
            name: "new_password", autocomplete: "new-password", label: "New temporary password",
            detail: "They must choose a new one at their next login.", confirmLabel: "Reset password" });
          if (password) patch({ password });
        },
      }, "Reset password"),
      mfaResetButton(user, act),
      h("button", { class: "import-servers-button", onclick: () => openServersImport({ userId: user.id,
        userEmail: user.email }) }, "Import servers…"),
      h("button", {
        class: "danger",
        onclick: async () => await confirmAction({ title: `Delete ${user.email}?`, confirmLabel: "Delete",
          isDanger: true }) && act(() => api("DELETE", `api/v1/users/${user.id}`)),
      }, "Delete"),
    ));
}

async function load() {
  const users = await api("GET", "api/v1/users");
  table.replaceChildren(...users.map(row));
}

document.querySelector("#add-user-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.target;
  act(async () => {
    await api("POST", "api/v1/users", {
      email: form.email.value, password: form.password.value, is_admin: form.is_admin.checked,
    });
    form.reset();
  });
});

readyAfter(load()).catch(showError);
