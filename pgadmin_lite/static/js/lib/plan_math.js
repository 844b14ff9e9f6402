// Pure arithmetic over an EXPLAIN (FORMAT JSON) plan: exclusive times, misestimates, buffers, the slowest path.

export const MISESTIMATE_FACTOR = 10;  // estimated vs actual rows this far apart, either way, is flagged

export const BUFFER_KEYS = [
  ["shared", "hit"], ["shared", "read"], ["shared", "dirtied"], ["shared", "written"],
  ["local", "hit"], ["local", "read"], ["local", "dirtied"], ["local", "written"],
  ["temp", "read"], ["temp", "written"],
];
// PostgreSQL up to 16 says "I/O Read Time"; 17 splits it into shared/local and temp.
const IO_KEYS = {
  read: ["I/O Read Time", "Shared I/O Read Time", "Local I/O Read Time", "Temp I/O Read Time"],
  write: ["I/O Write Time", "Shared I/O Write Time", "Local I/O Write Time", "Temp I/O Write Time"],
};
const GATHERS = new Set(["Gather", "Gather Merge"]);

/** The plan document ({Plan, Planning Time, …}) from a cell: JSON text or an already-parsed value. */
export function planDocument(value) {
  if (value == null) return null;
  const doc = typeof value === "string" ? JSON.parse(value) : value;
  const plan = Array.isArray(doc) ? doc[0] : doc;
  return plan && typeof plan === "object" && plan.Plan ? plan : null;
}

/** Whether a result is a FORMAT JSON plan however it was asked for: one row, one json column "QUERY PLAN". */
export function isPlanResult(result) {
  const columns = result?.columns ?? [];
  return columns.length === 1 && columns[0].name === "QUERY PLAN" && /^json/.test(columns[0].type ?? "")
    && result.rows?.length === 1;
}

/** Whether the plan carries actual times (EXPLAIN ANALYZE with TIMING on). */
export function isTimed(root) {
  return root["Actual Total Time"] !== undefined;
}

/** Estimated vs actual rows over all loops: {estimated, actual, factor, direction, isFlagged}, or null. */
export function misestimate(node) {
  const loops = node["Actual Loops"];
  if (node["Actual Rows"] === undefined || !loops) return null;  // not analyzed, or never executed
  const actual = node["Actual Rows"] * loops;
  const estimated = node["Plan Rows"] * loops;  // Plan Rows is per loop, like Actual Rows
  const high = Math.max(actual, estimated, 1);
  const low = Math.max(Math.min(actual, estimated), 1);
  const factor = high / low;
  const direction = factor === 1 ? "exact" : actual > estimated ? "under" : "over";
  return { estimated, actual, factor, direction, isFlagged: factor >= MISESTIMATE_FACTOR };
}

/** Buffers the node (and its children) touched: {shared: {hit, read, dirtied, written}, local, temp}, or null. */
export function buffers(node) {
  const out = {};
  for (const [kind, what] of BUFFER_KEYS) {
    const key = `${kind[0].toUpperCase()}${kind.slice(1)} ${what[0].toUpperCase()}${what.slice(1)} Blocks`;
    if (node[key] === undefined) continue;
    out[kind] ??= {};
    out[kind][what] = node[key];
  }
  return Object.keys(out).length ? out : null;
}

/** I/O time in ms (track_io_timing): {read, write}, or null when the plan has none. */
export function ioTime(node) {
  const sum = (keys) => keys.reduce((total, key) => total + (node[key] ?? 0), 0);
  const present = [...IO_KEYS.read, ...IO_KEYS.write].some((key) => node[key] !== undefined);
  return present ? { read: sum(IO_KEYS.read), write: sum(IO_KEYS.write) } : null;
}

/** How many processes share a parallel node's loops under a Gather: the workers launched and the leader. */
function processesOf(gather) {
  const launched = gather["Workers Launched"] ?? gather["Workers Planned"] ?? 0;
  return launched + (gather["Single Copy"] ? 0 : 1);
}

/** A child whose time the parent's does not hold: a CTE's plan is timed where its CTE Scan reads it. */
function isCounted(child) {
  return !(child["Parent Relationship"] === "InitPlan" && /^CTE /.test(child["Subplan Name"] ?? ""));
}

/**
 * The annotated tree: per node {node, depth, inclusive, exclusive, misestimate, buffers, io, children,
 * isSlowPath}. Times are ms of wall clock (loops multiplied, parallel loops divided among their processes);
 * without actual times, inclusive is the total cost and exclusive its share not in the children.
 */
export function annotate(root) {
  const timed = isTimed(root);
  const build = (node, depth, processes) => {
    const loops = node["Actual Loops"] ?? 1;
    const inclusive = timed ? (node["Actual Total Time"] ?? 0) * loops / processes : node["Total Cost"] ?? 0;
    const inner = GATHERS.has(node["Node Type"]) ? processesOf(node) : processes;
    const children = (node.Plans ?? []).map((child) => build(child, depth + 1, Math.max(inner, 1)));
    const counted = children.filter((child) => isCounted(child.node));
    const exclusive = Math.max(0, inclusive - counted.reduce((total, child) => total + child.inclusive, 0));
    return { node, depth, inclusive, exclusive, misestimate: misestimate(node), buffers: buffers(node),
      io: ioTime(node), children, isSlowPath: false };
  };
  const tree = build(root, 0, 1);
  for (const step of slowestPath(tree)) step.isSlowPath = true;
  return tree;
}

/** From the root, each time the child with the largest inclusive time (or cost): the path to look at first. */
export function slowestPath(tree) {
  const path = [tree];
  let at = tree;
  while (at.children.length) {
    at = at.children.reduce((best, child) => (child.inclusive > best.inclusive ? child : best));
    path.push(at);
  }
  return path;
}

/** Every annotated node, depth first (the order the plan reads). */
export function flatten(tree) {
  return [tree, ...tree.children.flatMap(flatten)];
}

/** Whether the plan changed data: its statement really ran under ANALYZE (INSERT, UPDATE, DELETE, MERGE). */
export function modifiesData(node) {
  return node["Node Type"] === "ModifyTable" || (node.Plans ?? []).some(modifiesData);
}
