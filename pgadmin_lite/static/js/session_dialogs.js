// Dialogs about query-tool sessions: closing one (an administrator gives the owner a reason), and logging
// out while other browsers hold transactions. Real <dialog>s, never window.confirm.
import { h } from "./api.js";

const BROWSERS = [["Edg/", "Edge"], ["OPR/", "Opera"], ["Firefox/", "Firefox"], ["Chrome/", "Chrome"],
  ["Safari/", "Safari"]];
const SYSTEMS = [["Windows", "Windows"], ["Mac OS X", "macOS"], ["Android", "Android"], ["iPhone", "iOS"],
  ["Linux", "Linux"]];

/** "Chrome on Linux · login ab12cd" from the user agent and the login id the server reports. */
export function browserName(browser) {
  const agent = browser?.user_agent ?? "";
  const name = BROWSERS.find(([mark]) => agent.includes(mark))?.[1] ?? (agent ? "A browser" : "An API client");
  const system = SYSTEMS.find(([mark]) => agent.includes(mark))?.[1];
  const login = browser?.login ? ` · login ${browser.login}` : "";
  return `${name}${system ? ` on ${system}` : ""}${login}`;
}

function where(item) {
  return `${item.database} on ${item.server_name ?? `server #${item.server_id}`}`;
}

function isInTransaction(item) {
  return item.state === "in_transaction" || item.state === "in_error";
}

/** Show a modal; resolves with its returnValue ("" when dismissed with Escape). */
function showModal(dialog, focus) {
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(dialog.returnValue);
    });
    document.body.append(dialog);
    dialog.showModal();
    focus?.focus();
  });
}

/** Ask before closing item; resolves to {reason} or null. askReason: an administrator closing someone's tab. */
export async function closeDialog(item, { askReason = false } = {}) {
  const reason = askReason ? h("input", { type: "text", name: "reason", maxlength: "500", id: "close-reason",
    placeholder: "e.g. holding locks on orders since this morning" }) : null;
  const dialog = h("dialog", { class: "modal", id: "close-session-dialog" },
    h("form", { method: "dialog" },
      h("h2", {}, `Close the query tool on ${where(item)}?`),
      isInTransaction(item) ? h("p", { class: "error" }, "Its open transaction will be rolled back.") : null,
      askReason ? h("label", {}, `Reason shown to ${item.user.email ?? "its owner"}`, reason) : null,
      h("div", { class: "dialog-buttons" },
        h("button", { type: "submit", value: "cancel" }, "Keep it"),
        h("button", { type: "submit", value: "close", class: "danger", id: "close-session-confirm" },
          isInTransaction(item) ? "Roll back and close" : "Close"))));
  const choice = await showModal(dialog, reason);
  return choice === "close" ? { reason: reason?.value.trim() ?? "" } : null;
}

/** Logging out with transactions open in other browsers: "rollback", "keep" or null (stay logged in). */
export function logoutDialog(items) {
  const dialog = h("dialog", { class: "modal", id: "logout-dialog" },
    h("form", { method: "dialog" },
      h("h2", {}, "Transactions are open in your other browsers"),
      h("p", {}, "Logging out here closes this browser's query tools. These are in other browsers:"),
      h("ul", { class: "logout-sessions" }, items.map((item) => h("li", { "data-tx-id": item.tx_id },
        `${where(item)} — ${item.state === "in_error" ? "failed transaction" : "open transaction"}`,
        item.transaction_age_s != null ? ` for ${Math.round(item.transaction_age_s)} s` : "",
        ` (${browserName(item.browser)})`,
        item.last_statement ? h("code", {}, ` ${item.last_statement}`) : null))),
      h("p", { class: "hint" }, "Kept transactions stay open until they have been idle for the server's idle timeout."),
      h("div", { class: "dialog-buttons" },
        h("button", { type: "submit", value: "cancel" }, "Stay logged in"),
        h("button", { type: "submit", value: "keep", id: "logout-keep", class: "primary" }, "Log out, keep them"),
        h("button", { type: "submit", value: "rollback", id: "logout-rollback", class: "danger" },
          "Log out and roll them back"))));
  return showModal(dialog, dialog.querySelector("#logout-keep")).then((value) =>
    (value === "keep" || value === "rollback" ? value : null));
}
