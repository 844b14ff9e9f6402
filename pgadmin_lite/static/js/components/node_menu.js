// The actions that fit a tree node, as context-menu items; `act` holds what each action does (pages/workspace.js).
import { can } from "../lib/permissions.js";
import { qualifiedName } from "../lib/sql_names.js";

const DATA_KINDS = new Set(["table", "view", "materialized_view"]);
const TABLE_SCOPED = new Set(["column", "constraint", "trigger", "policy"]);
const NO_RENAME = new Set(["extension"]);
const NO_DDL = new Set(["group", "server"]);
// What each node may create: [label, what] (what is the dialog: database, role, schema, table, index).
const CREATES = {
  server: [["Database…", "database"], ["Role…", "role"]],
  databases: [["Database…", "database"]], roles: [["Role…", "role"]],
  database: [["Schema…", "schema"]], schemas: [["Schema…", "schema"]],
  schema: [["Table…", "table"]], tables: [["Table…", "table"]],
  table: [["Index…", "index"]], indexes: [["Index…", "index"]],
};

/** The database a node is in (the server's maintenance database for server-wide nodes). */
export function databaseOf(ctx) {
  if (!ctx.ref) return null;
  if (ctx.kind === "database") return ctx.ref.name;
  return ctx.ref.db ?? ctx.server.maintenance_db;
}

/** The schema a node is in (or is), for a query tool's search_path. */
export function schemaOf(ctx) {
  if (ctx.kind === "schema") return ctx.ref.name;
  return ctx.ref?.schema ?? null;
}

export function qualifiedNameOf(ref) {
  if (ref.kind === "function") return `${qualifiedName(ref.schema, ref.name)}(${ref.args ?? ""})`;
  if (TABLE_SCOPED.has(ref.kind)) return qualifiedName(ref.schema, ref.table, ref.name);
  return qualifiedName(ref.schema, ref.name);
}

function jobItems(ctx, act) {
  return jobItemsOf(ctx, act).map(allowedJobs).filter(Boolean);
}

/** A job item the role may start (a submenu keeps the items it may; an empty one goes). */
function allowedJobs(item) {
  const allowed = (kind) => can(`jobs.${kind}`) && (kind === "maintenance" || can("storage.use"));
  if (!item?.items) return item && allowed(item.kind) ? item : null;
  const items = item.items.filter((sub) => allowed(sub.kind));
  return items.length ? { ...item, items } : null;
}

function jobItemsOf(ctx, act) {
  const preset = (kind) => () => act.jobs(ctx, kind);
  if (ctx.kind === "database" || ctx.kind === "schema") {
    return [{ label: "Backup…", kind: "backup", action: preset("backup") },
      { label: "Restore…", kind: "restore", action: preset("restore") },
      ctx.kind === "database" ? { label: "Maintenance…", kind: "maintenance", action: preset("maintenance") } : null];
  }
  if (ctx.kind === "table") {
    return [{ label: "Backup…", kind: "backup", action: preset("backup") },
      { label: "Restore…", kind: "restore", action: preset("restore") },
      { label: "Maintenance…", kind: "maintenance", action: preset("maintenance") },
      { label: "Import/Export ▸", items: [{ label: "Import data…", kind: "import", action: preset("import") },
        { label: "Export data…", kind: "export", action: preset("export") }] }];
  }
  return [];
}

function copyItems(ctx, act) {
  const { ref } = ctx;
  return [
    { label: "Copy name", action: () => act.copy(ctx.kind === "server" ? ctx.server.name : ref.name, "name") },
    ctx.kind !== "server" ? { label: "Copy qualified name", action: () => act.copy(qualifiedNameOf(ref), "qualified name") } : null,
    !NO_DDL.has(ctx.kind) ? { label: "Copy DDL", action: () => act.copyDdl(ctx) } : null,
  ];
}

function dataItems(ctx, act) {
  if (!DATA_KINDS.has(ctx.kind)) return [];
  const rows = (data) => () => act.object(ctx, "data", { data });
  return [{ label: "View/Edit data ▸", items: [
    { label: "First 100 rows", action: rows("first") }, { label: "Last 100 rows", action: rows("last") },
    { label: "All rows", action: rows("all") }, { label: "Filtered rows…", action: () => act.filteredData(ctx) }] }];
}

/** Menu items for a tree node. */
export function nodeMenuItems(ctx, act) {
  if (ctx.kind === "group") return [can("servers.register") ? { label: "Add server…", action: () => act.servers({ add: "1" }) } : null,
    { label: "Refresh", action: () => act.refresh(ctx) }].filter(Boolean);
  const creates = (CREATES[ctx.kind] ?? []).map(([label, what]) => ({ label, action: () => act.create(ctx, what) }));
  const createMenu = creates.length ? { label: "Create ▸", items: creates } : null;
  if (ctx.isCollection) return [createMenu, { label: "Refresh", action: () => act.refresh(ctx) }];
  const isServer = ctx.kind === "server";
  const canQuery = (isServer || ctx.kind === "database" || ctx.ref.db) && can("query_tool.use");
  return [
    canQuery ? { label: "Query tool here", action: () => act.queryTool(ctx) } : null,
    ...dataItems(ctx, act),
    isServer || ctx.kind === "database" ? { label: "Dashboard", action: () => act.dashboard(ctx) } : null,
    "-",
    createMenu,
    !isServer ? { label: "Properties / Alter…", action: () => act.object(ctx, "properties") } : null,
    isServer && ctx.server.is_owner ? { label: "Edit server…", action: () => act.servers({ edit: String(ctx.server.id) }) } : null,
    !isServer && !NO_RENAME.has(ctx.kind) ? { label: "Rename…", action: () => act.rename(ctx) } : null,
    !isServer ? { label: "Drop…", danger: true, action: () => act.drop(ctx, false) } : null,
    !isServer ? { label: "Drop Cascade…", danger: true, action: () => act.drop(ctx, true) } : null,
    { label: "Refresh", action: () => act.refresh(ctx) },
    "-",
    ...jobItems(ctx, act),
    "-",
    ...copyItems(ctx, act),
  ].filter(Boolean).filter((item, index, all) => item !== "-" || (index > 0 && index < all.length - 1 && all[index - 1] !== "-"));
}
