// The Users page's Groups section: add, rename, delete local groups and choose their members; LDAP/OIDC groups
// are listed read-only (their members come from the directory at each login).
import { api, h } from "./api.js";
import { askText, confirmAction } from "./components/dialog.js";
import { withSession } from "./session_guard.js";
import { showError } from "./ui.js";

const table = document.querySelector("#groups-table tbody");
const errorBox = document.querySelector("#groups-error");
const dialog = document.querySelector("#group-members-dialog");
const list = document.querySelector("#group-members-list");
const filter = document.querySelector("#group-members-filter");
let editing = null;

async function act(fn) {
  try {
    showError(errorBox, null);
    await withSession(fn);
    await load();
  } catch (err) {
    showError(errorBox, err);
  }
}

function memberList(group) {
  if (!group.members.length) return h("span", { class: "hint" }, "no members");
  return group.members.map((m) => m.display_name ? `${m.display_name} <${m.email}>` : m.email).join(", ");
}

async function editMembers(group) {
  editing = group;
  const users = await withSession(() => api("GET", "api/v1/users"));
  const chosen = new Set(group.members.map((m) => m.id));
  document.querySelector("#group-members-title").textContent = `Members of ${group.name}`;
  filter.value = "";
  list.replaceChildren(...users.map((user) => h("label", { class: "check sharing-choice", "data-label": user.email },
    h("input", { type: "checkbox", name: "member", value: String(user.id), ...(chosen.has(user.id) ? { checked: "" } : {}) }),
    ` ${user.email}`)));
  dialog.showModal();
}

function row(group) {
  const local = group.is_local;
  return h("tr", { "data-group": group.name },
    h("td", {}, group.name),
    h("td", {}, local ? "local" : group.source),
    h("td", { class: "group-members" }, memberList(group)),
    h("td", { class: "actions" }, ...(local ? [
      h("button", { class: "members-button", onclick: () => editMembers(group).catch((err) => showError(errorBox, err)) },
        "Members…"),
      h("button", {
        onclick: async () => {
          const name = await askText({ title: `Rename ${group.name}`, label: "New name", value: group.name,
            confirmLabel: "Rename" });
          if (name) act(() => api("PATCH", `api/v1/groups/${group.id}`, { name }));
        },
      }, "Rename"),
    ] : [h("span", { class: "hint" }, `managed by ${group.source}`)]),
    h("button", {
      class: "danger",
      onclick: async () => await confirmAction({ title: `Delete the group ${group.name}?`, isDanger: true,
        detail: "Its members lose the servers that only this group gave them.", confirmLabel: "Delete" })
        && act(() => api("DELETE", `api/v1/groups/${group.id}`)),
    }, "Delete")));
}

async function load() {
  const groups = await withSession(() => api("GET", "api/v1/groups"));
  table.replaceChildren(...groups.map(row));
}

document.querySelector("#add-group-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.target;
  act(async () => {
    await api("POST", "api/v1/groups", { name: form.name.value });
    form.reset();
  });
});
document.querySelector("#group-members-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const userIds = [...list.querySelectorAll("input[name=member]:checked")].map((input) => Number(input.value));
  const group = editing;
  dialog.close();
  act(() => api("PUT", `api/v1/groups/${group.id}/members`, { user_ids: userIds }));
});
document.querySelector("#group-members-cancel").addEventListener("click", () => dialog.close());
filter.addEventListener("input", () => {
  const words = filter.value.trim().toLowerCase();
  for (const item of list.querySelectorAll(".sharing-choice")) item.hidden = Boolean(words) && !item.dataset.label.includes(words);
});

load().catch((err) => showError(errorBox, err));
