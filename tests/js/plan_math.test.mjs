// Unit tests of the plan arithmetic (run by tests/unit/test_js_modules.py through `node --test`).
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  annotate, buffers, flatten, ioTime, isPlanResult, misestimate, modifiesData, planDocument, slowestPath,
} from "../../pgadmin_lite/static/js/lib/plan_math.js";
import { planText } from "../../pgadmin_lite/static/js/lib/plan_text.js";

const scan = (name, total, rows, loops = 1, extra = {}) => ({
  "Node Type": "Seq Scan", "Relation Name": name, Alias: name, "Startup Cost": 0, "Total Cost": 10,
  "Plan Rows": rows, "Plan Width": 4, "Actual Startup Time": 0, "Actual Total Time": total,
  "Actual Rows": rows, "Actual Loops": loops, ...extra,
});

test("exclusive time is the node's total times its loops minus its children's", () => {
  const root = { "Node Type": "Nested Loop", "Join Type": "Inner", "Actual Total Time": 50, "Actual Loops": 1,
    "Actual Rows": 10, "Plan Rows": 10, Plans: [scan("a", 5, 10), scan("b", 0.4, 1, 100)] };
  const tree = annotate(root);
  assert.equal(tree.inclusive, 50);
  assert.equal(tree.children[1].inclusive, 40);  // 0.4 ms × 100 loops
  assert.equal(tree.exclusive, 5);  // 50 − 5 − 40
  assert.equal(tree.children[0].exclusive, 5);
});

test("parallel loops are divided among the processes under a Gather", () => {
  const root = { "Node Type": "Gather", "Workers Planned": 2, "Workers Launched": 2, "Actual Total Time": 30,
    "Actual Loops": 1, "Actual Rows": 300, "Plan Rows": 300,
    Plans: [scan("big", 27, 100, 3, { "Parallel Aware": true })] };
  const tree = annotate(root);
  assert.equal(tree.children[0].inclusive, 27);  // 27 ms × 3 loops over 3 processes (2 workers + the leader)
  assert.equal(tree.exclusive, 3);
  assert.equal(misestimate(tree.children[0].node).factor, 1);
});

test("a CTE's plan is not taken from its parent twice; a SubPlan is", () => {
  const cte = { ...scan("src", 8, 100), "Parent Relationship": "InitPlan", "Subplan Name": "CTE c" };
  const cteScan = { "Node Type": "CTE Scan", "CTE Name": "c", "Actual Total Time": 10, "Actual Loops": 1,
    "Actual Rows": 100, "Plan Rows": 100 };
  const sub = { ...scan("s", 0.01, 1, 100), "Parent Relationship": "SubPlan", "Subplan Name": "SubPlan 1" };
  const root = { "Node Type": "Hash Join", "Actual Total Time": 15, "Actual Loops": 1, "Actual Rows": 1,
    "Plan Rows": 1, Plans: [cte, cteScan, sub] };
  const tree = annotate(root);
  assert.equal(tree.exclusive, 4);  // 15 − 10 (the CTE Scan) − 1 (the SubPlan), the CTE's 8 ms not again
  assert.ok(flatten(tree).every((step) => step.exclusive >= 0));
});

test("misestimates of ten times or more either way are flagged; a loop's estimate is per loop", () => {
  assert.deepEqual(misestimate({ "Plan Rows": 1, "Actual Rows": 1000, "Actual Loops": 1 }),
    { estimated: 1, actual: 1000, factor: 1000, direction: "under", isFlagged: true });
  const over = misestimate({ "Plan Rows": 500, "Actual Rows": 0, "Actual Loops": 1 });
  assert.equal(over.direction, "over");
  assert.equal(over.isFlagged, true);
  assert.equal(misestimate({ "Plan Rows": 10, "Actual Rows": 99, "Actual Loops": 1 }).isFlagged, false);
  const inner = misestimate({ "Plan Rows": 1, "Actual Rows": 1, "Actual Loops": 1000 });
  assert.equal(inner.actual, 1000);
  assert.equal(inner.isFlagged, false);  // a nested loop's inner side: one row a loop, as estimated
  assert.equal(misestimate({ "Plan Rows": 5, "Actual Rows": 0, "Actual Loops": 0 }), null);  // never executed
  assert.equal(misestimate({ "Plan Rows": 5 }), null);  // not analyzed
});

test("buffers and I/O times are read from every kind of block and timing key", () => {
  const node = { "Shared Hit Blocks": 3, "Shared Read Blocks": 2, "Shared Dirtied Blocks": 0,
    "Shared Written Blocks": 0, "Temp Read Blocks": 7, "Temp Written Blocks": 7, "I/O Read Time": 1.5,
    "I/O Write Time": 0, "Temp I/O Read Time": 0.5 };
  assert.deepEqual(buffers(node), { shared: { hit: 3, read: 2, dirtied: 0, written: 0 },
    temp: { read: 7, written: 7 } });
  assert.deepEqual(ioTime(node), { read: 2, write: 0 });
  assert.equal(buffers({}), null);
  assert.equal(ioTime({}), null);
});

test("the slowest path follows the child with the largest inclusive time; unanalyzed, the cost", () => {
  const root = { "Node Type": "Append", "Actual Total Time": 20, "Actual Loops": 1, "Actual Rows": 2,
    "Plan Rows": 2, Plans: [scan("fast", 2, 1), { ...scan("slow", 15, 1), Plans: [scan("deep", 14, 1)] }] };
  const names = slowestPath(annotate(root)).map((step) => step.node["Relation Name"] ?? step.node["Node Type"]);
  assert.deepEqual(names, ["Append", "slow", "deep"]);
  const costed = { "Node Type": "Append", "Total Cost": 30, Plans: [{ "Node Type": "Result", "Total Cost": 25 },
    { "Node Type": "Result", "Total Cost": 5 }] };
  assert.deepEqual(flatten(annotate(costed)).map((step) => step.isSlowPath), [true, true, false]);
});

test("a plan is found in JSON text or a parsed value, and a FORMAT JSON result is recognised", () => {
  const doc = [{ Plan: { "Node Type": "Result" }, "Planning Time": 0.1 }];
  assert.equal(planDocument(JSON.stringify(doc))["Planning Time"], 0.1);
  assert.equal(planDocument(doc).Plan["Node Type"], "Result");
  assert.equal(planDocument("[1]"), null);
  assert.ok(isPlanResult({ columns: [{ name: "QUERY PLAN", type: "json" }], rows: [["[]"]] }));
  assert.ok(!isPlanResult({ columns: [{ name: "QUERY PLAN", type: "text" }], rows: [["Seq Scan"]] }));
  assert.ok(!isPlanResult({ columns: [{ name: "a", type: "json" }], rows: [["{}"]] }));
});

test("a ModifyTable anywhere means the statement changed data", () => {
  assert.ok(modifiesData({ "Node Type": "Result", Plans: [{ "Node Type": "ModifyTable", Operation: "Insert" }] }));
  assert.ok(!modifiesData(scan("t", 1, 1)));
});

test("the text view indents like EXPLAIN's text format", () => {
  const doc = { Plan: { "Node Type": "Hash Join", "Join Type": "Left", "Startup Cost": 1, "Total Cost": 2,
    "Plan Rows": 3, "Plan Width": 8, "Hash Cond": "(a.id = b.id)",
    Plans: [{ "Node Type": "Seq Scan", "Relation Name": "a", Alias: "a", "Startup Cost": 0, "Total Cost": 1,
      "Plan Rows": 3, "Plan Width": 4, Filter: "(x > 1)" },
    { "Node Type": "Hash", "Startup Cost": 0, "Total Cost": 1, "Plan Rows": 3, "Plan Width": 4,
      Plans: [{ "Node Type": "Seq Scan", "Relation Name": "b", Alias: "b", "Startup Cost": 0, "Total Cost": 1,
        "Plan Rows": 3, "Plan Width": 4, "Shared Hit Blocks": 4, "Shared Read Blocks": 0 }] }] },
  "Planning Time": 0.05 };
  assert.equal(planText(doc), [
    "Hash Left Join  (cost=1.00..2.00 rows=3 width=8)",
    "  Hash Cond: (a.id = b.id)",
    "  ->  Seq Scan on a  (cost=0.00..1.00 rows=3 width=4)",
    "        Filter: (x > 1)",
    "  ->  Hash  (cost=0.00..1.00 rows=3 width=4)",
    "        ->  Seq Scan on b  (cost=0.00..1.00 rows=3 width=4)",
    "              Buffers: shared hit=4",
    "Planning Time: 0.050 ms",
  ].join("\n"));
});

test("a subplan's label comes first and its nodes shift under it", () => {
  const leaf = (extra) => ({ "Node Type": "Seq Scan", "Relation Name": "t", Alias: "t", ...extra });
  const doc = { Plan: { "Node Type": "Result", Plans: [
    { ...leaf({ "Parent Relationship": "InitPlan", "Subplan Name": "CTE c", Filter: "(x)" }), Plans: [leaf({})] }] } };
  assert.deepEqual(planText(doc).split("\n"), [
    "Result", "  CTE c", "    ->  Seq Scan on t", "          Filter: (x)", "          ->  Seq Scan on t"]);
});
