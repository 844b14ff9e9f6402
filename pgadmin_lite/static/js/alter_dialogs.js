// The Properties / Alter dialog: per kind the fields a DBA changes, started from the object's current values
// (GET objects/properties); only what was changed is sent, and the server's exact SQL is shown before Apply.
import { h } from "./api.js";
import { cleanRef, kindLabel, refLabel } from "./browser_common.js";
import { changeDialog, check, columnRow, field, options } from "./browser_dialogs.js";

const MOVABLE = new Set(["table", "view", "materialized_view", "sequence", "function", "type", "domain", "extension"]);
const WITH_TABLESPACE = new Set(["table", "materialized_view", "index", "database"]);
const NOT_RENAMED = new Set(["extension"]);
const UNOWNED = new Set(["role", "extension", "index", "column", "constraint", "trigger", "policy"]);
const ROLE_FLAGS = [["login", "Can log in"], ["superuser", "Superuser"], ["createdb", "Create databases"],
  ["createrole", "Create roles"], ["inherit", "Inherit privileges"], ["replication", "Replication"],
  ["bypassrls", "Bypass row level security"]];

const section = (legend, ...children) => h("fieldset", { class: "wide alter-section" }, h("legend", {}, legend),
  h("div", { class: "form-grid" }, children.flat(2)));
const text = (name, value, attrs = {}) => h("input", { name, value: value ?? "", autocomplete: "off", ...attrs });
const box = (name, checked) => h("input", { type: "checkbox", name, checked: Boolean(checked) });
/** A select of choices with the current value among them (so an untouched field never reads as changed). */
const pick = (name, choices, current) => h("select", { name }, options([...new Set([current, ...(choices ?? [])])], current));

/** An integer input's value: undefined when empty or unchanged from `was`. */
function changedInt(input, was, label) {
  const raw = input.value.trim();
  if (raw === "" || raw === String(was ?? "")) return undefined;
  if (!/^-?\d+$/.test(raw)) throw new Error(`${label} must be a whole number.`);
  return Number(raw);
}

function changedFlag(input, was) {
  return input.checked === Boolean(was) ? undefined : input.checked;
}

function generalPart(ref, values, choices) {
  const fields = [];
  const inputs = {};
  if (!NOT_RENAMED.has(ref.kind)) fields.push(field("Name", (inputs.name = text("new_name", values.name ?? ref.name))));
  if (!UNOWNED.has(ref.kind) && values.owner !== undefined) {
    inputs.owner = pick("owner", choices.roles, values.owner);
    fields.push(field("Owner", inputs.owner));
  }
  const schema = ref.kind === "extension" ? values.schema_name : ref.schema; // an extension's objects' schema
  if (MOVABLE.has(ref.kind)) {
    inputs.schema = pick("new_schema", choices.schemas, schema);
    fields.push(field("Schema", inputs.schema));
  }
  if (WITH_TABLESPACE.has(ref.kind)) {
    const current = values.tablespace ?? "pg_default";
    inputs.tablespace = pick("tablespace", choices.tablespaces, current);
    fields.push(field("Tablespace", inputs.tablespace, {
      help: ref.kind === "database" ? "Moving a database runs alone, outside the transaction, and needs it unused." : null }));
  }
  inputs.comment = h("textarea", { name: "comment", rows: 2 });
  inputs.comment.value = values.comment ?? "";
  fields.push(field("Comment", inputs.comment, { wide: true }));
  return {
    fields: [section("General", fields)],
    body: () => ({
      new_name: inputs.name && inputs.name.value !== (values.name ?? ref.name) ? inputs.name.value : undefined,
      owner: inputs.owner && inputs.owner.value !== values.owner ? inputs.owner.value : undefined,
      new_schema: inputs.schema && inputs.schema.value !== schema ? inputs.schema.value : undefined,
      tablespace: inputs.tablespace && inputs.tablespace.value !== (values.tablespace ?? "pg_default")
        ? inputs.tablespace.value : undefined,
      comment: inputs.comment.value !== (values.comment ?? "") ? (inputs.comment.value || null) : undefined,
    }),
  };
}

function existingColumn(col) {
  const inputs = { type: text("col-type", col.type, { "aria-label": `Type of ${col.name}` }),
    default: text("col-default", col.default, { "aria-label": `Default of ${col.name}` }),
    not_null: box("col-not-null", col.not_null), drop: box("col-drop", false) };
  const row = h("div", { class: "column-row existing-column", "data-column": col.name }, h("span", { class: "col-label" }, col.name),
    inputs.type, inputs.default, check("not null", inputs.not_null), check("drop", inputs.drop), h("span"));
  row.change = () => {
    if (inputs.drop.checked) return { drop: col.name };
    const spec = { name: col.name };
    if (inputs.type.value.trim() !== col.type) spec.type = inputs.type.value.trim();
    if (inputs.default.value.trim() !== (col.default ?? "")) spec.default = inputs.default.value.trim() || null;
    if (inputs.not_null.checked !== col.not_null) spec.not_null = inputs.not_null.checked;
    return Object.keys(spec).length > 1 ? { alter: spec } : {};
  };
  return row;
}

function constraintRow(schemas) {
  const inputs = { name: text("con-name", "", { placeholder: "name (optional)", "aria-label": "Constraint name" }),
    type: h("select", { name: "con-type", "aria-label": "Constraint type" },
      [["check", "CHECK"], ["unique", "UNIQUE"], ["primary_key", "PRIMARY KEY"], ["foreign_key", "FOREIGN KEY"]]
        .map(([value, label]) => h("option", { value }, label))),
    columns: text("con-columns", "", { placeholder: "columns, comma-separated", "aria-label": "Constraint columns" }),
    expression: text("con-expression", "", { placeholder: "condition, e.g. price > 0", "aria-label": "Check condition" }),
    refSchema: h("select", { name: "con-ref-schema", "aria-label": "Referenced schema" }, options(schemas, "public")),
    refTable: text("con-ref-table", "", { placeholder: "referenced table", "aria-label": "Referenced table" }),
    refColumns: text("con-ref-columns", "", { placeholder: "its columns", "aria-label": "Referenced columns" }) };
  const refs = h("span", { class: "con-refs" }, "REFERENCES ", inputs.refSchema, inputs.refTable, inputs.refColumns);
  const sync = () => {
    inputs.expression.hidden = inputs.type.value !== "check";
    inputs.columns.hidden = inputs.type.value === "check";
    refs.hidden = inputs.type.value !== "foreign_key";
  };
  inputs.type.addEventListener("change", sync);
  sync();
  const row = h("div", { class: "constraint-row" }, inputs.name, inputs.type, inputs.columns, inputs.expression, refs);
  const list = (input) => input.value.split(",").map((s) => s.trim()).filter(Boolean);
  row.spec = () => {
    const type = inputs.type.value;
    const spec = { type, name: inputs.name.value.trim() || undefined };
    if (type === "check") {
      if (!inputs.expression.value.trim()) return null;
      spec.expression = inputs.expression.value.trim();
    } else {
      if (!list(inputs.columns).length) return null;
      spec.columns = list(inputs.columns);
    }
    if (type === "foreign_key") {
      if (!inputs.refTable.value.trim()) throw new Error("Name the table the foreign key references.");
      spec.references = { schema: inputs.refSchema.value, table: inputs.refTable.value.trim(),
        columns: list(inputs.refColumns).length ? list(inputs.refColumns) : undefined };
    }
    return spec;
  };
  return row;
}

function tablePart(ref, values, choices) {
  const columns = (values.columns ?? []).filter((c) => !c.is_generated).map(existingColumn);
  const added = h("div", { class: "column-rows added-columns" });
  const changed = () => added.dispatchEvent(new Event("change", { bubbles: true }));
  const addColumn = h("button", { type: "button", class: "col-add", id: "alter-add-column", onclick: () => {
    added.append(columnRow(null, (row) => { row.remove(); changed(); }, { primaryKey: false }));
    changed();
  } }, "Add column");
  const drops = (values.constraints ?? []).map((c) => {
    const input = box("con-drop", false);
    input.dataset.name = c.name;
    return h("div", { class: "constraint-existing" }, check(`drop ${c.name} (${c.type})`, input));
  });
  const newConstraint = constraintRow(choices.schemas);
  return {
    fields: [
      section("Columns", h("div", { class: "wide columns-editor" },
        h("div", { class: "column-row column-head" }, ["Name", "Type", "Default", "", "", ""].map((t) => h("span", {}, t))),
        h("div", { class: "column-rows" }, columns), added, addColumn)),
      section("Constraints", h("div", { class: "wide" }, drops, h("h4", {}, "Add a constraint"), newConstraint)),
    ],
    body: () => {
      const alter = [];
      const drop = [];
      for (const row of columns) {
        const change = row.change();
        if (change.alter) alter.push(change.alter);
        if (change.drop) drop.push(change.drop);
      }
      const add = [...added.children].map((row, i) => row.spec(i));
      const dropConstraints = drops.map((d) => d.querySelector("input")).filter((i) => i.checked).map((i) => i.dataset.name);
      const constraint = newConstraint.spec();
      return { alter_columns: alter.length ? alter : undefined, drop_columns: drop.length ? drop : undefined,
        add_columns: add.length ? add : undefined, drop_constraints: dropConstraints.length ? dropConstraints : undefined,
        add_constraints: constraint ? [constraint] : undefined };
    },
  };
}

function columnPart(ref, values) {
  if (values.is_generated) return { fields: [], body: () => ({}) };
  const type = text("type", values.type);
  const fallback = text("default", values.default, { placeholder: "an SQL expression; empty: no default" });
  const notNull = box("not_null", values.not_null);
  return {
    fields: [section("Definition", field("Type", type), field("Default", fallback),
      h("div", { class: "checks" }, check("Not null", notNull)))],
    body: () => ({ type: type.value.trim() !== values.type ? type.value.trim() : undefined,
      default: fallback.value.trim() !== (values.default ?? "") ? (fallback.value.trim() || null) : undefined,
      not_null: changedFlag(notNull, values.not_null) }),
  };
}

function sequencePart(ref, values) {
  const ints = [["increment", "Increment"], ["min_value", "Minimum"], ["max_value", "Maximum"], ["start", "Start"],
    ["cache", "Cache"]].map(([name, label]) => [name, label, text(name, values[name], { inputmode: "numeric" })]);
  const cycle = box("cycle", values.cycle);
  const restart = text("restart", "", { placeholder: "(leave empty: keep counting)", inputmode: "numeric" });
  return {
    fields: [section("Definition", ints.map(([, label, input]) => field(label, input)), field("Restart with", restart),
      h("div", { class: "checks" }, check("Cycle", cycle)))],
    body: () => ({
      ...Object.fromEntries(ints.map(([name, label, input]) => [name, changedInt(input, values[name], label)])),
      restart: restart.value.trim() ? changedInt(restart, null, "Restart with") : undefined,
      cycle: changedFlag(cycle, values.cycle),
    }),
  };
}

function functionPart(ref, values) {
  const definer = box("security_definer", values.security_definer);
  if (values.function_kind === "procedure") {
    return { fields: [section("Definition", h("div", { class: "checks" }, check("Security definer", definer)))],
      body: () => ({ security_definer: changedFlag(definer, values.security_definer) }) };
  }
  const volatility = pick("volatility", ["volatile", "stable", "immutable"], values.volatility);
  const strict = box("is_strict", values.is_strict);
  const cost = text("cost", values.cost, { inputmode: "decimal" });
  return {
    fields: [section("Definition", field("Volatility", volatility), field("Estimated cost", cost),
      h("div", { class: "checks wide" }, check("Strict (NULL in, NULL out)", strict), check("Security definer", definer)))],
    body: () => {
      const costValue = cost.value.trim() === String(values.cost) ? undefined : Number(cost.value);
      if (costValue !== undefined && !(costValue > 0)) throw new Error("Estimated cost must be a positive number.");
      return { volatility: volatility.value !== values.volatility ? volatility.value : undefined, cost: costValue,
        is_strict: changedFlag(strict, values.is_strict), security_definer: changedFlag(definer, values.security_definer) };
    },
  };
}

function rolePart(ref, values, choices) {
  const flags = ROLE_FLAGS.map(([name, label]) => [name, label, box(name, values[name])]);
  const limit = text("connection_limit", values.connection_limit, { inputmode: "numeric" });
  const was = values.valid_until?.startsWith("never") ? "infinity" : (values.valid_until ?? "");
  const validUntil = text("valid_until", was, { placeholder: "e.g. 2030-01-01 00:00+00, infinity; empty: no expiry" });
  const password = h("input", { type: "password", name: "password", autocomplete: "new-password",
    placeholder: "(unchanged)" });
  const memberOf = h("select", { name: "member_of", multiple: true, size: 5 },
    (choices.all_roles ?? []).filter((r) => r !== ref.name)
      .map((r) => h("option", { value: r, selected: (values.member_of ?? []).includes(r) }, r)));
  const picked = () => [...memberOf.selectedOptions].map((o) => o.value);
  return {
    fields: [section("Attributes", h("div", { class: "wide checks" }, flags.map(([, label, input]) => check(label, input))),
      field("Connection limit", limit, { help: "-1 means no limit." }), field("Valid until", validUntil),
      field("New password", password, { help: "Hashed before it is sent; shown masked below, never echoed back." })),
    section("Membership", field("Member of", memberOf, { wide: true, help: "Ctrl/⌘-click to pick several." }))],
    body: () => ({
      ...Object.fromEntries(flags.map(([name, , input]) => [name, changedFlag(input, values[name])])),
      connection_limit: changedInt(limit, values.connection_limit, "Connection limit"),
      valid_until: validUntil.value.trim() !== was ? (validUntil.value.trim() || null) : undefined,
      password: password.value || undefined,
      member_of: JSON.stringify(picked()) !== JSON.stringify(values.member_of ?? []) ? picked() : undefined,
    }),
  };
}

function databasePart(ref, values) {
  const limit = text("connection_limit", values.connection_limit, { inputmode: "numeric" });
  const allow = box("allow_connections", values.allow_connections);
  const template = box("is_template", values.is_template);
  return {
    fields: [section("Definition", field("Connection limit", limit, { help: "-1 means no limit." }),
      h("div", { class: "checks" }, check("Allow connections", allow), check("Template", template)))],
    body: () => ({ connection_limit: changedInt(limit, values.connection_limit, "Connection limit"),
      allow_connections: changedFlag(allow, values.allow_connections), is_template: changedFlag(template, values.is_template) }),
  };
}

function privilegesPart(ref, values, choices) {
  const rows = (values.grants ?? []).map((g) => {
    const input = box("revoke", false);
    return { grant: g, input, el: h("tr", {}, h("td", {}, g.grantee), h("td", {}, g.privileges), h("td", {}, g.grantable ? "Yes" : "No"),
      h("td", {}, check("revoke", input))) };
  });
  const grantee = h("select", { name: "grantee", "aria-label": "Grantee" }, options(["PUBLIC", ...(choices.all_roles ?? [])], null,
    { blank: "(grant to…)" }));
  const privileges = ["ALL", ...(choices.privileges ?? [])].map((p) => [p, box(`privilege-${p}`, false)]);
  const grantable = box("grantable", false);
  return {
    fields: [section("Security", h("table", { class: "grid list wide grants-editor" },
      h("thead", {}, h("tr", {}, ["Grantee", "Privileges", "Grantable", ""].map((t) => h("th", {}, t)))),
      h("tbody", {}, rows.map((r) => r.el))),
    h("div", { class: "wide grant-new" }, grantee, privileges.map(([p, input]) => check(p, input)), check("with grant option", grantable)))],
    body: () => {
      const revoke = rows.filter((r) => r.input.checked)
        .map((r) => ({ grantee: r.grant.grantee, privileges: r.grant.privileges.split(", ") }));
      const chosen = privileges.filter(([, input]) => input.checked).map(([p]) => p);
      if (grantee.value && !chosen.length) throw new Error(`Tick the privileges to grant to ${grantee.value}.`);
      const grant = grantee.value ? [{ grantee: grantee.value, privileges: chosen.includes("ALL") ? ["ALL"] : chosen,
        grantable: grantable.checked }] : undefined;
      return { revoke: revoke.length ? revoke : undefined, grant };
    },
  };
}

const KIND_PARTS = { table: tablePart, column: columnPart, sequence: sequencePart, function: functionPart, role: rolePart,
  database: databasePart };

/** The dialog for one object; props is GET objects/properties' answer (values, choices). */
export function alterDialog(ref, props, onApplied) {
  const { values, choices } = props;
  const parts = [generalPart(ref, values, choices)];
  if (KIND_PARTS[ref.kind]) parts.push(KIND_PARTS[ref.kind](ref, values, choices));
  if (values.grants) parts.push(privilegesPart(ref, values, choices));
  const base = cleanRef(ref);
  changeDialog({
    id: "alter-dialog", title: `${props.title} ${refLabel(ref)}`, method: "PATCH", path: "objects", onApplied,
    fields: parts.flatMap((part) => part.fields), applyLabel: "Apply",
    intro: h("p", { class: "hint" }, `Change what you need; the exact SQL appears below before anything runs.`),
    body: () => {
      const changes = Object.fromEntries(parts.flatMap((part) => Object.entries(part.body()))
        .filter(([, v]) => v !== undefined));
      if (!Object.keys(changes).length) {
        throw Object.assign(new Error(`Nothing changed yet: edit a field of this ${kindLabel(ref.kind)}.`), { isHint: true });
      }
      return { ...base, ...changes };
    },
  });
}
