// The Users page's Roles section: list (built-ins read-only), create and edit with a checkbox per permission,
// delete; and the role picker each user row shows.
import { api, h } from "./api.js";
import { confirmAction } from "./components/dialog.js";

const form = document.querySelector("#role-form");
const boxes = document.querySelector("#role-permissions");
let roles = [];
let catalogue = [];

function labelOf(name) {
  return catalogue.find((p) => p.name === name)?.label ?? name;
}

function edit(role) {
  form.elements.role_id.value = role?.id ?? "";
  form.elements.name.value = role?.name ?? "";
  form.elements.description.value = role?.description ?? "";
  form.elements.require_mfa.checked = Boolean(role?.require_mfa);
  for (const box of boxes.querySelectorAll("input")) box.checked = Boolean(role?.permissions.includes(box.value));
  document.querySelector("#role-form-title").textContent = role ? `Edit role ${role.name}` : "New role";
  document.querySelector("#role-save").textContent = role ? "Save role" : "Create role";
  document.querySelector("#role-cancel").hidden = !role;
}

function roleRow(role, act) {
  return h("tr", { "data-role": role.name },
    h("td", {}, h("strong", {}, role.name), role.is_builtin ? " (built-in)" : "",
      role.description ? h("div", { class: "hint" }, role.description) : null),
    h("td", { class: "role-perms" }, role.permissions.map(labelOf).join(" · ") || "none"),
    h("td", { class: "num" }, role.user_count),
    h("td", {}, role.require_mfa ? "required" : ""),
    h("td", { class: "actions" }, role.is_builtin ? "" : [
      h("button", { type: "button", class: "role-edit", onclick: () => edit(role) }, "Edit"),
      h("button", { type: "button", class: "danger role-delete", onclick: async () => await confirmAction({
        title: `Delete the role ${role.name}?`, confirmLabel: "Delete", isDanger: true,
      }) && act(() => api("DELETE", `api/v1/roles/${role.id}`)) }, "Delete"),
    ]));
}

/** Fetch the roles and draw the table (and, the first time, the permission checkboxes). */
export async function loadRoles(act) {
  const body = await api("GET", "api/v1/roles");
  roles = body.items;
  if (!catalogue.length) {
    catalogue = body.permissions;
    boxes.append(...catalogue.map((p) => h("label", { class: "check" },
      h("input", { type: "checkbox", name: "permissions", value: p.name }), ` ${p.label}`)));
  }
  document.querySelector("#roles-table tbody").replaceChildren(...roles.map((role) => roleRow(role, act)));
}

/** A select of every role, set to the user's; choosing one assigns it. */
export function rolePicker(user, assign) {
  const select = h("select", { class: "role-picker", "aria-label": `Role of ${user.email}`,
    onchange: (event) => assign(event.target.value) },
  roles.map((role) => h("option", { value: role.name, selected: role.name === user.role }, role.name)));
  return select;
}

/** Bind the editor: act(fn) runs a change and reloads the page's lists (users.js). */
export function bindRoles(act) {
  document.querySelector("#role-cancel").addEventListener("click", () => edit(null));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const id = form.elements.role_id.value;
    const body = { name: form.elements.name.value, description: form.elements.description.value,
      require_mfa: form.elements.require_mfa.checked,
      permissions: [...boxes.querySelectorAll("input:checked")].map((box) => box.value) };
    act(async () => {
      await api(id ? "PATCH" : "POST", id ? `api/v1/roles/${id}` : "api/v1/roles", body);
      edit(null);
    });
  });
}
