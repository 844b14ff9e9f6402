// EXPLAIN (FORMAT JSON) output as a readable tree: node, relation/index, cost, rows, and actuals.
import { h } from "./api.js";

const fmt = (n, digits = 2) => (typeof n === "number" ? n.toFixed(digits) : String(n));

/** The plan document from a result: one cell holding JSON text (or an already-parsed value). */
export function planFromResult(result) {
  const value = result?.rows?.[0]?.[0];
  if (value == null) return null;
  const doc = typeof value === "string" ? JSON.parse(value) : value;
  return Array.isArray(doc) ? doc[0] : doc;
}

function target(node) {
  const parts = [];
  if (node["Relation Name"]) {
    const rel = node.Schema ? `${node.Schema}.${node["Relation Name"]}` : node["Relation Name"];
    parts.push(`on ${rel}${node.Alias && node.Alias !== node["Relation Name"] ? ` ${node.Alias}` : ""}`);
  } else if (node.Alias && node["Node Type"] !== "Result") {
    parts.push(`on ${node.Alias}`);
  }
  if (node["Index Name"]) parts.push(`using ${node["Index Name"]}`);
  if (node["CTE Name"]) parts.push(`CTE ${node["CTE Name"]}`);
  if (node["Function Name"]) parts.push(`function ${node["Function Name"]}`);
  return parts.join(" ");
}

function details(node) {
  const keys = ["Join Type", "Strategy", "Sort Key", "Hash Cond", "Index Cond", "Filter", "Join Filter",
    "Merge Cond", "Recheck Cond", "Group Key", "Rows Removed by Filter"];
  return keys.filter((key) => node[key] !== undefined).map((key) => {
    const value = Array.isArray(node[key]) ? node[key].join(", ") : node[key];
    return h("div", { class: "plan-detail" }, h("span", { class: "plan-key" }, `${key}: `), String(value));
  });
}

function nodeItem(node, rootTime) {
  const isAnalyzed = node["Actual Total Time"] !== undefined;
  const stats = [
    h("span", { class: "plan-cost", title: "estimated startup..total cost" },
      `cost ${fmt(node["Startup Cost"])}..${fmt(node["Total Cost"])}`),
    h("span", { class: "plan-rows", title: "estimated rows" }, `rows ${node["Plan Rows"]}`),
    node["Plan Width"] !== undefined ? h("span", { class: "plan-width" }, `width ${node["Plan Width"]}`) : null,
  ];
  if (isAnalyzed) {
    const never = node["Actual Loops"] === 0;
    stats.push(h("span", { class: "plan-actual" }, never ? "never executed"
      : `actual ${fmt(node["Actual Startup Time"], 3)}..${fmt(node["Actual Total Time"], 3)} ms, `
        + `rows ${node["Actual Rows"]}, loops ${node["Actual Loops"]}`));
    if (rootTime > 0 && !never) {
      const share = Math.min(100, (node["Actual Total Time"] * node["Actual Loops"] * 100) / rootTime);
      stats.push(h("span", { class: "plan-share", title: "inclusive share of the total time" }, `${share.toFixed(0)}%`));
    }
  }
  const children = node.Plans ?? [];
  return h("li", {},
    h("div", { class: "plan-node" },
      h("div", { class: "plan-title" },
        h("strong", { class: "plan-type" }, node["Node Type"]),
        node["Parent Relationship"] && node["Parent Relationship"] !== "Outer"
          ? h("span", { class: "plan-rel" }, ` (${node["Parent Relationship"]})`) : null,
        " ", h("span", { class: "plan-target" }, target(node))),
      h("div", { class: "plan-stats" }, stats),
      details(node)),
    children.length ? h("ul", {}, children.map((child) => nodeItem(child, rootTime))) : null);
}

/** Render the plan into container; returns false if the result holds no JSON plan. */
export function renderPlan(container, result) {
  let plan;
  try {
    plan = planFromResult(result);
  } catch (err) {
    container.replaceChildren(h("p", { class: "error" }, `The plan is not valid JSON: ${err.message}`));
    return false;
  }
  if (!plan?.Plan) {
    container.replaceChildren(h("p", { class: "hint" }, "No plan in this result."));
    return false;
  }
  const root = plan.Plan;
  const rootTime = root["Actual Total Time"] !== undefined ? root["Actual Total Time"] * (root["Actual Loops"] || 1) : 0;
  const timings = [];
  if (plan["Planning Time"] !== undefined) timings.push(`Planning time ${fmt(plan["Planning Time"], 3)} ms`);
  if (plan["Execution Time"] !== undefined) timings.push(`Execution time ${fmt(plan["Execution Time"], 3)} ms`);
  container.replaceChildren(
    timings.length ? h("p", { class: "plan-timings" }, timings.join(" · ")) : "",
    h("ul", { class: "plan-tree" }, nodeItem(root, rootTime)));
  return true;
}
