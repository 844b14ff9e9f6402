// My sessions: the query-tool connections the user holds (admins: everyone's), each with Close.
import { api, h, url } from "./api.js";
import { browserName, closeDialog } from "./session_dialogs.js";
import { installSessionGuard, withSession } from "./session_guard.js";
import { showError } from "./ui.js";

const $ = (selector) => document.querySelector(selector);
const isAdmin = Boolean(document.querySelector('meta[name="is-admin"]')?.content);
const pageEl = $("#sessions-page");
const errorEl = $("#sessions-error");
const allBox = $("#sessions-all");
const REFRESH_MS = 10000;
const STATE_LABELS = { idle: "idle", active: "running a statement", in_transaction: "in transaction",
  in_error: "in a failed transaction", lost: "connection lost" };

function age(seconds) {
  if (seconds == null) return "";
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

function tabCell(item) {
  if (item.kept) return h("span", { class: "badge warn" }, `kept: ${item.kept}`);
  const labels = { alive: "open", released: "closed", lapsed: "gone quiet" };
  return labels[item.lease.state] ?? item.lease.state;
}

/** One's own connection whose page is gone (kept for its transaction) can be taken up again in a new tab. */
function canOpen(item) {
  return item.user.id === currentUserId() && item.lease.state !== "alive";
}

function row(item, showUser) {
  const browser = browserName(item.browser);
  return h("tr", { "data-tx-id": item.tx_id, "data-state": item.state },
    showUser ? h("td", { class: "col-user" }, item.user.email ?? `#${item.user.id}`) : null,
    h("td", {}, item.server_name ?? `#${item.server_id}`),
    h("td", {}, item.database),
    h("td", { class: "session-state" }, STATE_LABELS[item.state] ?? item.state),
    h("td", {}, item.transaction_age_s != null ? `open ${age(item.transaction_age_s)}` : ""),
    h("td", { class: "session-sql" }, h("code", {}, item.last_statement ?? "")),
    h("td", { title: item.browser.user_agent ?? "" }, browser,
      item.browser.is_this_browser ? h("span", { class: "badge this-browser" }, "this browser") : null),
    h("td", { class: "session-tab" }, tabCell(item)),
    h("td", { class: "session-actions" }, canOpen(item) ? h("a", { class: "button session-open", href: url("query-tool", {
      server_id: item.server_id, database: item.database, attach: item.tx_id }) }, "Open") : null,
    h("button", { type: "button", class: "danger session-close", onclick: () => closeOne(item) }, "Close")));
}

let latestLoad = 0; // only the last load started fills the table: an older answer may predate a close

/** Fill the table; isQuiet: the periodic refresh, which leaves the page's ready state alone. */
async function load({ isQuiet = false } = {}) {
  if (!isQuiet) pageEl.dataset.ready = "false";
  const showAll = Boolean(allBox?.checked);
  const thisLoad = ++latestLoad;
  try {
    const items = await api("GET", "api/v1/sessions", undefined, showAll ? { all: "1" } : undefined);
    if (thisLoad !== latestLoad) return;
    for (const cell of document.querySelectorAll("th.col-user")) cell.hidden = !showAll;
    $("#sessions-table tbody").replaceChildren(...items.map((item) => row(item, showAll)));
    $("#sessions-empty").hidden = items.length > 0;
    showError(errorEl, null);
  } catch (err) {
    if (thisLoad !== latestLoad) return;
    showError(errorEl, err);
  }
  pageEl.dataset.ready = "true";
}

async function closeOne(item) {
  const isOthers = isAdmin && !item.browser.is_this_browser && item.user.id !== currentUserId();
  latestLoad += 1; // a refresh in flight would show the row again, and say ready
  pageEl.dataset.ready = "false"; // from the question on: the table is about to change
  const choice = await closeDialog(item, { askReason: isOthers });
  if (choice === null) {
    pageEl.dataset.ready = "true";
    return;
  }
  try {
    await withSession(() => api("DELETE", `api/v1/sessions/${encodeURIComponent(item.tx_id)}`,
      choice.reason ? { reason: choice.reason } : undefined));
  } catch (err) {
    if (err.status !== 404 && err.status !== 410) showError(errorEl, err);
  }
  await load();
}

function currentUserId() {
  return Number(document.querySelector('meta[name="user-id"]')?.content);
}

installSessionGuard();
$("#sessions-refresh").addEventListener("click", () => load());
allBox?.addEventListener("change", () => load());
window.addEventListener("pgadmin-lite:logged-in", () => load());
// States and transaction ages change on their own; never under an open dialog.
setInterval(() => {
  if (document.visibilityState === "visible" && !document.querySelector("dialog[open]")) load({ isQuiet: true });
}, REFRESH_MS);
load();
