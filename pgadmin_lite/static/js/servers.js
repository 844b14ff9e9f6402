// The console's home: the user's servers by group; add / edit / delete / test; open a query tool.
import { api, h, url } from "./api.js";
import { confirmAction } from "./components/dialog.js";
import { can } from "./lib/permissions.js";
import { paintServer } from "./lib/server_colors.js";
import { readyAfter } from "./page_ready.js";
import { openServerForm } from "./server_form.js";
import { openServersImport } from "./servers_import.js";
import { installSessionGuard, withSession } from "./session_guard.js";
import { errorText, promptPassword, showError } from "./ui.js";

const groupsBox = document.querySelector("#server-groups");
const errorBox = document.querySelector("#servers-error");
const emptyNote = document.querySelector("#servers-empty");
let servers = [];

function address(server) {
  if (!server.host) return server.service ? `service ${server.service}` : "from its service"; // a service-only entry
  return server.host.startsWith("/") ? `${server.host} (socket), port ${server.port}` : `${server.host}:${server.port}`;
}

async function act(fn) {
  try {
    showError(errorBox, null);
    await fn();
  } catch (err) {
    showError(errorBox, err);
  }
}

/** Connect once as the user would; on password_required ask for it and retry. */
async function testConnection(server, resultBox) {
  resultBox.closest("tr").hidden = false;
  resultBox.className = "test-result";
  resultBox.textContent = `Connecting to ${server.name}…`;
  let password;
  for (;;) {
    try {
      const body = password === undefined ? undefined : { password };
      const info = await withSession(() => api("POST", `api/v1/servers/${server.id}/test`, body));
      resultBox.classList.add("ok");
      resultBox.textContent = `Connected: PostgreSQL ${info.server_version} as ${info.username ?? server.username}`
        + ` — round trip ${info.latency_ms} ms${info.connect_ms != null ? `, connect ${info.connect_ms} ms` : ""}.`
        + (info.ssh_host_key_fingerprint ? ` Through SSH; the bastion's host key is ${info.ssh_host_key_fingerprint}.` : "");
      return;
    } catch (err) {
      if (err.code === "password_required" && password === undefined) {
        password = await promptPassword(`Password for ${server.username}@${server.name}`, err.message);
        if (password !== null) continue;
      }
      resultBox.classList.add("failed");
      resultBox.textContent = password === null ? "Test cancelled: no password given." : errorText(err);
      return;
    }
  }
}

/** Offer the server's databases (GET …/databases) in the field's list; if that fails it stays free text. */
async function offerDatabases(server, list) {
  if (list.dataset.loaded) return;
  list.dataset.loaded = "1";
  try {
    const names = await api("GET", `api/v1/servers/${server.id}/databases`);
    const items = Array.isArray(names) ? names : names?.items;
    if (Array.isArray(items)) {
      const usable = items.filter((item) => typeof item === "string" || item.allows_connections !== false);
      list.replaceChildren(...usable.map((item) => h("option", { value: typeof item === "string" ? item : item.name })));
    }
  } catch {
    // no list (e.g. the server wants a password first): the field stays free text
  }
}

function openToolForm(server) {
  const listId = `databases-${server.id}`;
  const list = h("datalist", { id: listId });
  const input = h("input", {
    name: "database", value: server.maintenance_db, list: listId, required: true, "aria-label": `Database on ${server.name}`,
    class: "database-input", onfocus: () => offerDatabases(server, list),
  });
  return h("form", {
    class: "open-tool",
    onsubmit: (event) => {
      event.preventDefault();
      const database = input.value.trim() || server.maintenance_db;
      window.location.assign(url("query-tool", { server_id: server.id, database }));
    },
  }, input, list, h("button", { type: "submit", class: "primary open-tool-button" }, "Open query tool"));
}

/** Shared with everyone, with chosen people (its owner sees the summary), or with you by an administrator. */
function isShared(server) {
  const shares = server.shares;
  return server.is_shared || !server.is_owner || Boolean(shares && (shares.users.length || shares.roles.length
    || shares.groups.length));
}

function shareTitle(server) {
  if (!server.is_owner) return "Shared with you by an administrator";
  if (server.is_shared) return "Shared with every user";
  const { users, roles, groups } = server.shares;
  return `Shared with ${users.length} user(s), ${roles.length} role(s) and ${groups.length} group(s)`;
}

function serverRows(server) {
  const resultBox = h("div", { class: "test-result", role: "status" });
  const badges = [
    isShared(server) ? h("span", { class: "badge shared", title: shareTitle(server) }, "shared") : null,
    server.has_saved_password ? h("span", { class: "badge muted", title: "Your password is saved, encrypted" }, "password saved") : null,
    server.ssh_tunnel?.host ? h("span", { class: "badge muted ssh-badge", title: `Through the SSH bastion ${server.ssh_tunnel.host}` }, "SSH") : null,
  ];
  const actions = h("td", { class: "actions" },
    h("button", { type: "button", class: "test-button", onclick: () => testConnection(server, resultBox) }, "Test connection"),
    h("a", { class: "button browse-link", href: url(`servers/${server.id}/browser`) }, "Browse"),
    h("a", { class: "button dashboard-link", href: url(`servers/${server.id}/dashboard`) }, "Dashboard"),
    server.is_owner ? h("button", { type: "button", class: "edit-button", onclick: () => edit(server) }, "Edit") : null,
    server.is_owner ? h("button", {
      type: "button", class: "danger delete-button",
      onclick: async () => await confirmAction({ title: `Delete the server “${server.name}”?`, isDanger: true,
        message: "Saved passwords for it are erased.", confirmLabel: "Delete" })
        && act(async () => {
          await withSession(() => api("DELETE", `api/v1/servers/${server.id}`));
          await changed();
        }),
    }, "Delete") : null);
  return [
    h("tr", { class: "server-row", "data-server-id": server.id, "data-name": server.name },
      h("td", {}, paintServer(h("strong", { class: "server-name" }, server.name), server), " ", badges,
        server.read_only ? h("span", { class: "badge muted", title: "Writes are refused (a rail, not a permission)" },
          "read-only") : null,
        server.comment ? h("div", { class: "hint server-comment" }, server.comment) : null),
      h("td", {}, address(server)),
      h("td", {}, server.username),
      actions,
      h("td", {}, can("query_tool.use") ? openToolForm(server) : "")),
    h("tr", { class: "test-row", hidden: true }, h("td", { colspan: 5 }, resultBox)),
  ];
}

function render() {
  const groups = new Map();
  for (const server of servers) {
    if (!groups.has(server.group)) groups.set(server.group, []);
    groups.get(server.group).push(server);
  }
  emptyNote.hidden = servers.length > 0;
  groupsBox.replaceChildren(...[...groups].map(([group, members]) => h("section", { class: "server-group" },
    h("h2", {}, group),
    h("table", { class: "grid servers" },
      h("thead", {}, h("tr", {},
        h("th", {}, "Name"), h("th", {}, "Address"), h("th", {}, "User"), h("th", {}, "Actions"), h("th", {}, "Query tool"))),
      h("tbody", {}, members.flatMap(serverRows))))));
  document.querySelector("#server-group-names").replaceChildren(
    ...[...groups.keys()].map((group) => h("option", { value: group })));
}

async function load() {
  servers = await api("GET", "api/v1/servers");
  render();
}

/** After a save or a delete: reload, and tell a workspace showing this page in a tab (it reloads its tree). */
async function changed() {
  await load();
  window.dispatchEvent(new CustomEvent("pgadmin-lite:servers-changed"));
}

function edit(server) {
  openServerForm(server, changed);
}

/** ?add=1 or ?edit=<id> (how the workspace opens this page): the dialog opens at once. */
function openAsked() {
  const params = new URLSearchParams(window.location.search);
  const editing = servers.find((server) => String(server.id) === params.get("edit") && server.is_owner);
  if (editing) edit(editing);
  else if (params.get("add")) openServerForm(null, changed);
}

installSessionGuard();
document.querySelector("#add-server").addEventListener("click", () => openServerForm(null, changed));
document.querySelector("#import-servers").addEventListener("click", () => openServersImport({ onDone: changed }));
window.addEventListener("pgadmin-lite:logged-in", () => act(load));
readyAfter(act(async () => {
  await load();
  openAsked();
}));
