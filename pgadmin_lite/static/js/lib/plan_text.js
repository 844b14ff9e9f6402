// A FORMAT JSON plan written the way EXPLAIN's text format writes it: "->" arrows, six spaces per level.
import { buffers, ioTime } from "./plan_math.js";

const DETAIL_KEYS = ["Output", "Group Key", "Sort Key", "Presorted Key", "Hash Key", "Index Cond", "Recheck Cond",
  "Hash Cond", "Merge Cond", "Join Filter", "Filter", "One-Time Filter", "Cache Key", "Rows Removed by Index Recheck",
  "Rows Removed by Join Filter", "Rows Removed by Filter", "Heap Fetches", "Workers Planned", "Workers Launched"];
const AGGREGATE_NAMES = { Hashed: "HashAggregate", Sorted: "GroupAggregate", Mixed: "MixedAggregate" };
const JOINS = new Set(["Nested Loop", "Hash Join", "Merge Join"]);
const fixed = (n, digits) => (typeof n === "number" ? n.toFixed(digits) : String(n));

function nodeName(node) {
  let name = node["Node Type"];
  if (name === "Aggregate") name = AGGREGATE_NAMES[node.Strategy] ?? name;
  if (node["Partial Mode"] && node["Partial Mode"] !== "Simple") name = `${node["Partial Mode"]} ${name}`;
  if (node["Parallel Aware"]) name = `Parallel ${name}`;
  const join = node["Join Type"];
  if (JOINS.has(node["Node Type"]) && join && join !== "Inner") {
    name = name === "Nested Loop" ? `${name} ${join} Join` : name.replace(" Join", ` ${join} Join`);
  }
  if (node["Scan Direction"] === "Backward") name += " Backward";
  return name;
}

function target(node) {
  let text = "";
  if (node["Index Name"]) text += node["Node Type"] === "Bitmap Index Scan" ? ` on ${node["Index Name"]}`
    : ` using ${node["Index Name"]}`;
  const relation = node["Relation Name"] ?? node["CTE Name"] ?? node["Function Name"];
  if (relation) {
    const qualified = node.Schema ? `${node.Schema}.${relation}` : relation;
    text += ` on ${qualified}`;
    if (node.Alias && node.Alias !== relation) text += ` ${node.Alias}`;
  } else if (node.Alias && node["Node Type"] !== "Result") {
    text += ` on ${node.Alias}`;
  }
  return text;
}

function estimates(node) {
  const parts = [];
  if (node["Total Cost"] !== undefined) {
    parts.push(`(cost=${fixed(node["Startup Cost"], 2)}..${fixed(node["Total Cost"], 2)} `
      + `rows=${node["Plan Rows"]} width=${node["Plan Width"]})`);
  }
  if (node["Actual Loops"] === 0) parts.push("(never executed)");
  else if (node["Actual Total Time"] !== undefined) {
    parts.push(`(actual time=${fixed(node["Actual Startup Time"], 3)}..${fixed(node["Actual Total Time"], 3)} `
      + `rows=${node["Actual Rows"]} loops=${node["Actual Loops"]})`);
  } else if (node["Actual Rows"] !== undefined) {
    parts.push(`(actual rows=${node["Actual Rows"]} loops=${node["Actual Loops"]})`);
  }
  return parts.length ? `  ${parts.join(" ")}` : "";
}

function bufferLine(node) {
  const found = buffers(node);
  if (!found) return null;
  const groups = Object.entries(found).map(([kind, counts]) => {
    const nonzero = Object.entries(counts).filter(([, n]) => n > 0).map(([what, n]) => `${what}=${n}`);
    return nonzero.length ? `${kind} ${nonzero.join(" ")}` : null;
  }).filter(Boolean);
  return groups.length ? `Buffers: ${groups.join(", ")}` : null;
}

/** The lines under a node's title: its conditions, keys, sort, buffers, I/O and WAL. */
export function detailLines(node) {
  const lines = DETAIL_KEYS.filter((key) => node[key] !== undefined)
    .map((key) => `${key}: ${Array.isArray(node[key]) ? node[key].join(", ") : node[key]}`);
  if (node["Sort Method"]) {
    lines.push(`Sort Method: ${node["Sort Method"]}  ${node["Sort Space Type"] ?? ""}: ${node["Sort Space Used"]}kB`);
  }
  const buffer = bufferLine(node);
  if (buffer) lines.push(buffer);
  const io = ioTime(node);
  if (io && (io.read || io.write)) lines.push(`I/O Timings: read=${fixed(io.read, 3)} write=${fixed(io.write, 3)}`);
  if (node["WAL Records"]) {
    lines.push(`WAL: records=${node["WAL Records"]} fpi=${node["WAL FPI"]} bytes=${node["WAL Bytes"]}`);
  }
  return lines;
}

/** A node at depth (shifted by shift spaces under InitPlan/SubPlan/CTE labels, as EXPLAIN does). */
function writeNode(node, depth, out, shift = 0) {
  let indent = shift;
  if (node["Subplan Name"]) {
    out.push(`${" ".repeat(6 * depth - 4 + indent)}${node["Subplan Name"]}`);
    indent += 2;
  }
  const pad = depth === 0 ? "" : " ".repeat(6 * depth - 4 + indent);
  out.push(`${pad}${depth ? "->  " : ""}${nodeName(node)}${target(node)}${estimates(node)}`);
  const detailPad = " ".repeat((depth === 0 ? 2 : 6 * depth + 2) + indent);
  for (const line of detailLines(node)) out.push(detailPad + line);
  for (const child of node.Plans ?? []) writeNode(child, depth + 1, out, indent);
}

/** The whole plan document as EXPLAIN's text format shows it (the indentation is the tree). */
export function planText(doc) {
  const out = [];
  writeNode(doc.Plan, 0, out);
  if (doc.Settings && Object.keys(doc.Settings).length) {
    out.push(`Settings: ${Object.entries(doc.Settings).map(([name, value]) => `${name} = '${value}'`).join(", ")}`);
  }
  if (doc["Planning Time"] !== undefined) out.push(`Planning Time: ${fixed(doc["Planning Time"], 3)} ms`);
  for (const trigger of doc.Triggers ?? []) {
    out.push(`Trigger ${trigger["Trigger Name"]}: time=${fixed(trigger.Time, 3)} calls=${trigger.Calls}`);
  }
  if (doc["Execution Time"] !== undefined) out.push(`Execution Time: ${fixed(doc["Execution Time"], 3)} ms`);
  return out.join("\n");
}
