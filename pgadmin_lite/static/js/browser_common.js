// Shared by the object-browser modules: the server's API path, ref helpers, generic value rendering.
import { api, h } from "./api.js";

const root = document.querySelector("#object-browser");
export let serverId = root?.dataset.serverId ?? "";

/** The server the dialogs act on, on a page with many (the workspace sets it before opening one). */
export function useServer(id) {
  serverId = String(id);
}

/** Call an object-browser endpoint of this server: path relative to api/v1/servers/<sid>/. */
export function serverApi(method, path, body, params) {
  return api(method, `api/v1/servers/${serverId}/${path}`, body, params);
}

/** A ref without its null/undefined fields (query parameters or body fields). */
export function cleanRef(ref) {
  return Object.fromEntries(Object.entries(ref).filter(([, v]) => v !== null && v !== undefined));
}

export function kindLabel(kind) {
  return kind.replaceAll("_", " ");
}

/** A dotted, human name for a ref: schema.table.name. */
export function refLabel(ref) {
  if (ref.kind === "server") return "server";
  const parts = [ref.schema, ref.table, ref.name].filter(Boolean);
  return parts.join(".") + (ref.kind === "function" ? `(${ref.args ?? ""})` : "");
}

function scalar(value) {
  if (value === null || value === undefined) return h("span", { class: "null" }, "—");
  if (typeof value === "object") return h("code", {}, JSON.stringify(value));
  return String(value);
}

/** A two-column name/value table of an object's fields. */
export function keyValueTable(obj) {
  const entries = Object.entries(obj ?? {});
  if (!entries.length) return h("p", { class: "hint" }, "Nothing to show.");
  return h("table", { class: "grid kv" }, h("tbody", {},
    entries.map(([key, value]) => h("tr", {}, h("th", {}, key.replaceAll("_", " ")), h("td", {}, scalar(value))))));
}

/** A table of a list of objects (columns from the first rows' keys). */
export function listTable(items, emptyText = "None.") {
  if (!items?.length) return h("p", { class: "hint" }, emptyText);
  const keys = [...new Set(items.flatMap((item) => Object.keys(item)))];
  return h("table", { class: "grid list" },
    h("thead", {}, h("tr", {}, keys.map((k) => h("th", {}, k.replaceAll("_", " "))))),
    h("tbody", {}, items.map((item) => h("tr", {}, keys.map((k) => h("td", {}, scalar(item[k])))))));
}

/** Render anything JSON: a list of objects as a table, an object as name/value pairs. */
export function renderValue(value) {
  if (Array.isArray(value)) return listTable(value);
  if (value && typeof value === "object") return keyValueTable(value);
  return h("p", {}, scalar(value));
}
