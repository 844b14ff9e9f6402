// Administrator page: the audit log, filtered, newest first, paged by the API's `next`; exported as JSON lines.
import { api, h, url } from "./api.js";
import { readyAfter } from "./page_ready.js";

const form = document.querySelector("#audit-filters");
const table = document.querySelector("#audit-table tbody");
const errorBox = document.querySelector("#audit-error");
const empty = document.querySelector("#audit-empty");
const more = document.querySelector("#audit-more");
const exportLink = document.querySelector("#audit-export");
let next = null;

function showError(err) {
  errorBox.textContent = err ? `${err.message}${err.hint ? ` — ${err.hint}` : ""}` : "";
  errorBox.hidden = !err;
}

/** The filled-in filters, as query parameters (empty ones left out). */
function filters() {
  return Object.fromEntries([...new FormData(form)].filter(([, value]) => String(value).trim() !== ""));
}

function detailsText(details) {
  return Object.entries(details ?? {}).map(([key, value]) =>
    `${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`).join("; ");
}

function row(event) {
  return h("tr", { "data-id": event.id, "data-action": event.action },
    h("td", { title: event.at }, new Date(event.at).toLocaleString()),
    h("td", {}, event.actor_email ?? ""),
    h("td", { class: "audit-action" }, event.action),
    h("td", { class: `audit-outcome outcome-${event.outcome}` }, event.outcome),
    h("td", {}, event.target ?? ""),
    h("td", {}, event.source ?? ""),
    h("td", { class: "audit-details" }, detailsText(event.details)));
}

async function load({ isMore = false } = {}) {
  showError(null);
  const params = filters();
  if (isMore && next) params.before = next;
  let page;
  try {
    page = await api("GET", "api/v1/audit", undefined, params);
  } catch (err) {
    showError(err);
    return;
  }
  const rows = page.items.map(row);
  if (isMore) table.append(...rows);
  else table.replaceChildren(...rows);
  next = page.next;
  more.hidden = !next;
  empty.hidden = table.children.length > 0;
}

/** Keep the filters in the address (a reload or a shared link shows the same events) and in the export link. */
function syncAddress() {
  const params = filters();
  exportLink.href = url("api/v1/audit/export", params);
  const query = new URLSearchParams(params).toString();
  window.history.replaceState(null, "", `${window.location.pathname}${query ? `?${query}` : ""}`);
}

for (const [name, value] of new URLSearchParams(window.location.search)) {
  if (form.elements[name]) form.elements[name].value = value;
}
form.addEventListener("submit", (event) => {
  event.preventDefault();
  syncAddress();
  load();
});
more.addEventListener("click", () => load({ isMore: true }));
exportLink.href = url("api/v1/audit/export", filters());
readyAfter(load());
