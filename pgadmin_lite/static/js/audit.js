// Administrator page: the audit log, filtered, newest first, paged by the API's `next`; exported as JSON lines.
import { api, h, url } from "./api.js";
import { readyAfter } from "./page_ready.js";

const form = document.querySelector("#audit-filters");
const table = document.querySelector("#audit-table tbody");
const errorBox = document.querySelector("#audit-error");
const empty = document.querySelector("#audit-empty");
const more = document.querySelector("#audit-more");
const exportLink = document.querySelector("#audit-export");
let applied = {}; // the filters and page size of the rows shown: "Older events" and the export use these
let next = null;

function showError(err) {
  errorBox.textContent = err ? `${err.message}${err.hint ? ` — ${err.hint}` : ""}` : "";
  errorBox.hidden = !err;
}

/** The filled-in form as query parameters (empty ones left out): the filters and the page size. */
function formValues() {
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

/** Show the first page for `params`, or append the next page of what is shown; a refusal leaves the rows alone. */
async function load(params, { isMore = false } = {}) {
  showError(null);
  let page;
  try {
    page = await api("GET", "api/v1/audit", undefined, isMore ? { ...params, before: next } : params);
  } catch (err) {
    showError(err);
    return false;
  }
  const rows = page.items.map(row);
  if (isMore) table.append(...rows);
  else table.replaceChildren(...rows);
  next = page.next;
  more.hidden = !next;
  empty.hidden = table.children.length > 0;
  return true;
}

/** Apply the form; once its rows are in, the address keeps it (a reload or a shared link shows the same events)
 * and the export follows it. */
async function apply() {
  const params = formValues();
  if (!(await load(params))) return;
  applied = params;
  const { limit: _limit, ...filters } = applied;
  exportLink.href = url("api/v1/audit/export", filters);
  const query = new URLSearchParams(applied).toString();
  window.history.replaceState(null, "", `${window.location.pathname}${query ? `?${query}` : ""}`);
}

for (const [name, value] of new URLSearchParams(window.location.search)) {
  const field = form.elements[name];
  if (field instanceof HTMLSelectElement && ![...field.options].some((option) => option.value === value)) {
    field.append(h("option", { value }, value));
  }
  if (field) field.value = value;
}
form.addEventListener("submit", (event) => {
  event.preventDefault();
  apply();
});
more.addEventListener("click", () => load(applied, { isMore: true }));
readyAfter(apply());
