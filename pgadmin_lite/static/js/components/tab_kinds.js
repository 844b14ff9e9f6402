// What each kind of workspace tab shows: the page (an existing tool, ?embed=1) and which tabs are the same one.
import { url } from "../api.js";

const OBJECT_IDENTITY = ["server_id", "kind", "db", "schema", "table", "name", "args"];

export const TAB_KINDS = {
  // Many query tools may be open on one database: each is its own connection (tab= keys its tx_id).
  query_tool: { path: () => "query-tool", query: (tab) => ({ ...tab.params, tab: tab.id }), identity: null, icon: "⌨" },
  object: {
    path: (p) => `servers/${p.server_id}/object`,
    query: (tab) => without(tab.params, ["server_id"]), identity: OBJECT_IDENTITY, icon: "▦",
  },
  dashboard: {
    path: (p) => `servers/${p.server_id}/dashboard`, query: (tab) => without(tab.params, ["server_id"]),
    identity: ["server_id", "db"], icon: "◔",
  },
  files: { path: () => "storage", query: () => ({}), identity: [], icon: "▤" },
  jobs: { path: () => "jobs", query: (tab) => tab.params, identity: ["server_id", "database", "kind", "schema", "table"], icon: "⚙" },
  servers: { path: () => "servers", query: (tab) => tab.params, identity: [], icon: "◆" },
};

function without(params, names) {
  return Object.fromEntries(Object.entries(params).filter(([key]) => !names.includes(key)));
}

/** Parameters without the empty ones (what a tab stores and its URL carries). */
export function cleanParams(params) {
  return Object.fromEntries(Object.entries(params).filter(([, v]) => v !== null && v !== undefined && v !== ""));
}

/** The iframe address of a tab: its page under the prefix, embedded. */
export function tabUrl(tab) {
  const kind = TAB_KINDS[tab.kind];
  return url(kind.path(tab.params), { ...kind.query(tab), embed: "1" });
}

/** The tab already open that a new one would duplicate (object views, dashboards…), if any. */
export function sameTab(tabs, kind, params) {
  const identity = TAB_KINDS[kind].identity;
  if (!identity) return null;
  return tabs.find((tab) => tab.kind === kind && identity.every((key) => String(tab.params[key] ?? "") === String(params[key] ?? "")));
}

/** A tab id: random, URL-safe (crypto.randomUUID is not there on plain-http deployments). */
export function newTabId() {
  const bytes = crypto.getRandomValues(new Uint8Array(9));
  return `t${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}
