// Change dialogs of the object browser: each previews its SQL (preview: true) before Apply runs it.
import { h } from "./api.js";
import { cleanRef, kindLabel, refLabel, serverApi } from "./browser_common.js";
import { debounce, errorText } from "./ui.js";

/**
 * A modal with fields; whenever they change, the SQL preview is refreshed; Apply sends the same body.
 * body() returns the request body (without preview) or throws an Error with a message for the user.
 */
export function changeDialog({ id, title, fields, method = "POST", path, body, onApplied, applyLabel = "Apply", intro,
  isDanger = false }) {
  const preview = h("pre", { class: "sql-preview", "aria-label": "SQL preview" });
  const alone = h("p", { class: "hint runs-alone", hidden: true });
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const apply = h("button", { type: "submit", class: `${isDanger ? "danger " : ""}primary dialog-apply`, disabled: true },
    applyLabel);
  const form = h("form", { class: "change-form", novalidate: true },
    h("h2", {}, title), intro ?? null,
    h("div", { class: "form-grid" }, fields),
    h("h3", { class: "preview-head" }, "SQL to run"), preview, alone, error,
    h("div", { class: "dialog-buttons" },
      h("button", { type: "button", class: "dialog-cancel", onclick: () => dialog.close() }, "Cancel"), apply));
  const dialog = h("dialog", { class: "modal change-dialog", id }, form);
  let generation = 0;
  let current = null;

  const showError = (err) => {
    error.textContent = err ? errorText(err) : "";
    error.hidden = !err;
    error.className = err?.isHint ? "hint" : "error"; // e.g. "nothing changed yet" is guidance, not a failure
  };
  // Statements PostgreSQL runs only outside a transaction block (ALTER DATABASE … SET TABLESPACE…) are named.
  const showAlone = (result) => {
    const indexes = result?.outside_transaction ?? [];
    const all = indexes.length === result?.statements?.length;
    alone.textContent = !indexes.length ? ""
      : all && indexes.length > 1 ? "PostgreSQL runs these statements only outside a transaction: each runs and commits on its own."
        : all ? "" : `Statement ${indexes.map((i) => i + 1).join(", ")} cannot run inside a transaction: it runs alone, `
          + "after the others commit together.";
    alone.hidden = !alone.textContent;
  };
  const refresh = async () => {
    const mine = ++generation;
    apply.disabled = true;
    current = null;
    let payload;
    try {
      payload = body();
    } catch (err) {
      preview.textContent = "";
      showAlone(null);
      showError(err);
      return;
    }
    try {
      const result = await serverApi(method, path, { ...payload, preview: true });
      if (mine !== generation) return;
      preview.textContent = result.sql;
      showAlone(result);
      showError(null);
      current = payload;
      apply.disabled = false;
    } catch (err) {
      if (mine !== generation) return;
      preview.textContent = "";
      showAlone(null);
      showError(err);
    }
  };
  const later = debounce(refresh, 250);
  const edited = () => {
    let same = false;
    try {
      same = current !== null && JSON.stringify(body()) === JSON.stringify(current);
    } catch {
      same = false;
    }
    if (same) return; // e.g. the change event of a field left unchanged: the preview is still right
    apply.disabled = true;
    later();
  };
  form.addEventListener("input", edited);
  form.addEventListener("change", edited);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!current) return;
    apply.disabled = true;
    apply.textContent = "Applying…";
    try {
      const result = await serverApi(method, path, current);
      dialog.close();
      onApplied?.(result);
    } catch (err) {
      showError(err);
      apply.disabled = false;
    } finally {
      apply.textContent = applyLabel;
    }
  });
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  refresh();
  return { dialog, refresh };
}

export function field(labelText, input, { wide = false, help } = {}) {
  return h("label", { class: wide ? "wide" : null }, labelText, input, help ? h("small", { class: "hint field-help" }, help) : null);
}

export function check(labelText, input) {
  return h("label", { class: "check" }, input, ` ${labelText}`);
}

export function renameDialog(ref, onApplied) {
  const input = h("input", { name: "new_name", value: ref.name, required: true, autocomplete: "off" });
  changeDialog({
    id: "rename-dialog", title: `Rename ${kindLabel(ref.kind)} ${refLabel(ref)}`,
    fields: [field("New name", input, { wide: true })], path: "objects/rename",
    body: () => {
      if (!input.value) throw new Error("Type the new name.");
      return { ...cleanRef(ref), new_name: input.value };
    },
    onApplied,
  });
}

export function commentDialog(ref, currentComment, onApplied) {
  const input = h("textarea", { name: "comment", rows: 4 });
  input.value = currentComment ?? "";
  changeDialog({
    id: "comment-dialog", title: `Comment on ${kindLabel(ref.kind)} ${refLabel(ref)}`,
    fields: [field("Comment (empty removes it)", input, { wide: true })], path: "objects/comment",
    body: () => ({ ...cleanRef(ref), comment: input.value === "" ? null : input.value }),
    onApplied,
  });
}

/** Drop: first what DROP … CASCADE would take with it, then the statement to run. */
export async function dropDialog(ref, onApplied, onError, { cascade: isCascade = false } = {}) {
  let impact;
  try {
    impact = await serverApi("GET", "objects/drop-impact", undefined, cleanRef(ref));
  } catch (err) {
    onError(err);
    return;
  }
  const cascade = h("input", { type: "checkbox", name: "cascade" });
  const lines = [];
  if (impact.cascades_to?.length) {
    lines.push(h("p", { class: "warning" }, `CASCADE would also drop ${impact.cascades_to.length} object(s):`),
      h("ul", { class: "cascade-list" }, impact.cascades_to.map((item) => h("li", {}, item))));
  }
  if (impact.blocked_by?.length) {
    lines.push(h("p", { class: "warning" }, "Objects still depend on it:"),
      h("ul", { class: "blocked-list" }, impact.blocked_by.map((item) => h("li", {}, item))));
  }
  if (impact.note) lines.push(h("p", { class: "hint" }, impact.note));
  const fields = [h("div", { class: "wide drop-impact" }, lines.length ? lines : h("p", { class: "hint" }, "Nothing else depends on it."))];
  if (impact.cascade_sql) fields.push(h("div", { class: "wide" }, check("CASCADE (drop the dependent objects too)", cascade)));
  cascade.checked = isCascade && Boolean(impact.cascade_sql);
  changeDialog({
    id: "drop-dialog", title: `Drop ${kindLabel(ref.kind)} ${refLabel(ref)}`, fields, applyLabel: "Drop", isDanger: true,
    path: "objects/drop", body: () => ({ ...cleanRef(ref), cascade: cascade.checked }), onApplied,
  });
}

export function options(values, selected, { blank } = {}) {
  const list = blank === undefined ? [] : [h("option", { value: "" }, blank)];
  for (const value of values ?? []) {
    const name = typeof value === "object" ? value.name : value;
    list.push(h("option", { value: name, selected: name === selected }, name));
  }
  return list;
}

/** The choices and help of a create dialog (GET objects/options), or null after reporting the error. */
async function dialogOptions(params, onError) {
  try {
    return await serverApi("GET", "objects/options", undefined, params);
  } catch (err) {
    onError(err);
    return null;
  }
}

function intOrNull(input, name) {
  if (input.value.trim() === "") return undefined;
  const n = Number(input.value);
  if (!Number.isInteger(n) || n < -1) throw new Error(`${name} must be an integer of at least -1.`);
  return n;
}

function dropEmpty(body) {
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined && v !== ""));
}

export async function createRoleDialog(onApplied, onError) {
  const opts = await dialogOptions({ kind: "role" }, onError);
  if (!opts) return;
  const help = opts.help ?? {};
  const name = h("input", { name: "name", required: true, autocomplete: "off" });
  const password = h("input", { name: "password", type: "password", autocomplete: "new-password" });
  const flags = Object.fromEntries(["login", "createdb", "createrole", "inherit", "superuser", "replication"]
    .map((flag) => [flag, h("input", { type: "checkbox", name: flag, checked: flag === "login" || flag === "inherit" })]));
  const limit = h("input", { name: "connection_limit", type: "number", min: -1, placeholder: "-1 (no limit)" });
  const validUntil = h("input", { name: "valid_until", placeholder: "e.g. 2030-01-01 00:00+00", autocomplete: "off" });
  const memberOf = h("select", { name: "member_of", multiple: true, size: 4 },
    options((opts.choices?.roles ?? []).filter((r) => !String(typeof r === "object" ? r.name : r).startsWith("pg_"))));
  const comment = h("input", { name: "comment", autocomplete: "off" });
  changeDialog({
    id: "create-role-dialog", title: "Create role", path: "objects", onApplied,
    fields: [
      field("Name", name), field("Password", password, { help: help.password }),
      h("div", { class: "wide checks" }, Object.entries(flags).map(([flag, input]) => check(flag, input))),
      field("Connection limit", limit), field("Valid until", validUntil, { help: help.valid_until }),
      field("Member of", memberOf, { help: help.member_of }), field("Comment", comment),
    ],
    body: () => {
      if (!name.value) throw new Error("Type the role's name.");
      const selected = [...memberOf.selectedOptions].map((o) => o.value);
      return dropEmpty({
        kind: "role", name: name.value, password: password.value || undefined,
        ...Object.fromEntries(Object.entries(flags).map(([flag, input]) => [flag, input.checked])),
        connection_limit: intOrNull(limit, "Connection limit"), valid_until: validUntil.value.trim() || undefined,
        member_of: selected.length ? selected : undefined, comment: comment.value || undefined,
      });
    },
  });
}

export async function createDatabaseDialog(onApplied, onError) {
  const opts = await dialogOptions({ kind: "database" }, onError);
  if (!opts) return;
  const choices = opts.choices ?? {};
  const help = opts.help ?? {};
  const name = h("input", { name: "name", required: true, autocomplete: "off" });
  const owner = h("select", { name: "owner" }, options(choices.roles, null, { blank: "(me)" }));
  const template = h("select", { name: "template" }, options(choices.templates ?? ["template1", "template0"], null, { blank: "(default: template1)" }));
  const templateHelp = h("small", { class: "hint field-help", id: "template-help" });
  const showTemplateHelp = () => {
    const key = template.value || "template1";
    templateHelp.textContent = help.templates?.[key] ?? "";
  };
  template.addEventListener("change", showTemplateHelp);
  showTemplateHelp();
  const encoding = h("select", { name: "encoding" }, options(choices.encodings, null, { blank: "(template's)" }));
  const locale = h("select", { name: "locale" }, options(choices.locales, null, { blank: "(template's)" }));
  const tablespace = h("select", { name: "tablespace" }, options(choices.tablespaces, null, { blank: "(default)" }));
  const limit = h("input", { name: "connection_limit", type: "number", min: -1, placeholder: "-1 (no limit)" });
  const comment = h("input", { name: "comment", autocomplete: "off" });
  changeDialog({
    id: "create-database-dialog", title: "Create database", path: "objects", onApplied,
    fields: [
      field("Name", name), field("Owner", owner),
      h("label", { class: "wide" }, "Template", template, templateHelp),
      field("Encoding", encoding), field("Locale", locale, { help: help.locale }),
      field("Tablespace", tablespace), field("Connection limit", limit, { help: help.connection_limit }),
      field("Comment", comment, { wide: true }),
    ],
    body: () => {
      if (!name.value) throw new Error("Type the database's name.");
      return dropEmpty({
        kind: "database", name: name.value, owner: owner.value, template: template.value, encoding: encoding.value,
        locale: locale.value, tablespace: tablespace.value, connection_limit: intOrNull(limit, "Connection limit"),
        comment: comment.value || undefined,
      });
    },
  });
}

/** Create a schema in database db. */
export async function createSchemaDialog(db, onApplied, onError) {
  const opts = await dialogOptions({ kind: "schema", db }, onError);
  if (!opts) return;
  const name = h("input", { name: "name", required: true, autocomplete: "off" });
  const owner = h("select", { name: "owner" }, options(opts.choices?.roles, null, { blank: "(me)" }));
  const comment = h("input", { name: "comment", autocomplete: "off" });
  changeDialog({
    id: "create-schema-dialog", title: `Create schema in ${db}`, path: "objects", onApplied,
    fields: [field("Name", name), field("Owner", owner), field("Comment", comment, { wide: true })],
    body: () => {
      if (!name.value) throw new Error("Type the schema's name.");
      return dropEmpty({ kind: "schema", db, name: name.value, owner: owner.value, comment: comment.value || undefined });
    },
  });
}

/** One editable column of a create-table (or add-column) dialog: name, type (suggested from typesId's datalist), default, flags. */
export function columnRow(typesId, onRemove, { primaryKey = true } = {}) {
  const inputs = {
    name: h("input", { name: "col-name", "aria-label": "Column name", placeholder: "name", autocomplete: "off" }),
    type: h("input", { name: "col-type", "aria-label": "Column type", placeholder: "type", list: typesId, autocomplete: "off" }),
    default: h("input", { name: "col-default", "aria-label": "Default", placeholder: "default", autocomplete: "off" }),
    not_null: h("input", { type: "checkbox", name: "col-not-null" }),
    primary_key: h("input", { type: "checkbox", name: "col-pk" }),
  };
  const row = h("div", { class: "column-row" }, inputs.name, inputs.type, inputs.default,
    check("not null", inputs.not_null), primaryKey ? check("primary key", inputs.primary_key) : h("span"),
    h("button", { type: "button", class: "col-remove", title: "Remove this column", "aria-label": "Remove column",
      onclick: () => onRemove(row) }, "✕"));
  row.spec = (index) => {
    const colName = inputs.name.value;
    const type = inputs.type.value.trim();
    if (!colName) throw new Error(`Type the name of column ${index + 1}.`);
    if (!type) throw new Error(`Type the type of column ${colName}.`);
    return dropEmpty({ name: colName, type, default: inputs.default.value.trim() || undefined,
      not_null: inputs.not_null.checked, primary_key: primaryKey && inputs.primary_key.checked });
  };
  return row;
}

/** Create a table in db.schema: rows of columns (add/remove), the primary key ticked on them. */
export async function createTableDialog(db, schema, onApplied, onError) {
  const opts = await dialogOptions({ kind: "table", db }, onError);
  if (!opts) return;
  const help = opts.help ?? {};
  const typesId = "column-types";
  const types = h("datalist", { id: typesId }, (opts.choices?.types ?? []).map((t) => h("option", { value: t })));
  const name = h("input", { name: "name", required: true, autocomplete: "off" });
  const owner = h("select", { name: "owner" }, options(opts.choices?.roles, null, { blank: "(me)" }));
  const comment = h("input", { name: "comment", autocomplete: "off" });
  const rows = h("div", { class: "column-rows" });
  // Adding or removing a row changes no field: tell the dialog, so that the preview follows.
  const changed = () => rows.dispatchEvent(new Event("change", { bubbles: true }));
  const remove = (row) => {
    row.remove();
    changed();
  };
  const add = () => {
    const row = columnRow(typesId, remove);
    rows.append(row);
    return row;
  };
  add();
  const addButton = h("button", { type: "button", class: "col-add", onclick: () => {
    add().querySelector("input").focus();
    changed();
  } }, "Add column");
  changeDialog({
    id: "create-table-dialog", title: `Create table in ${db}.${schema}`, path: "objects", onApplied,
    fields: [
      field("Name", name), field("Owner", owner),
      h("div", { class: "wide columns-editor" }, h("h3", {}, "Columns"), rows, addButton, types,
        h("small", { class: "hint field-help" }, `${help.type ?? ""} ${help.default ? `Default: ${help.default}` : ""}`)),
      field("Comment", comment, { wide: true }),
    ],
    body: () => {
      if (!name.value) throw new Error("Type the table's name.");
      const columns = [...rows.children].map((row, i) => row.spec(i));
      return dropEmpty({ kind: "table", db, schema, name: name.value, columns, owner: owner.value,
        comment: comment.value || undefined });
    },
  });
}

/** Create an index on db.schema.table: its columns picked from the table's, unique, access method. */
export async function createIndexDialog(db, schema, table, onApplied, onError) {
  const opts = await dialogOptions({ kind: "index", db }, onError);
  if (!opts) return;
  let columnItems;
  try {
    columnItems = (await serverApi("GET", "tree", undefined, { kind: "columns", db, schema, table, limit: 5000 })).items;
  } catch (err) {
    onError(err);
    return;
  }
  const name = h("input", { name: "name", required: true, autocomplete: "off" });
  const columns = h("select", { name: "columns", multiple: true, size: Math.min(Math.max(columnItems.length, 3), 8) },
    options(columnItems.map((item) => item.name)));
  const method = h("select", { name: "method" }, options(opts.choices?.methods ?? ["btree"], "btree"));
  const unique = h("input", { type: "checkbox", name: "unique" });
  const concurrently = h("input", { type: "checkbox", name: "concurrently" });
  const comment = h("input", { name: "comment", autocomplete: "off" });
  changeDialog({
    id: "create-index-dialog", title: `Create index on ${schema}.${table}`, path: "objects", onApplied,
    fields: [
      field("Name", name), field("Method", method),
      field("Columns", columns, { help: "Ctrl/⌘-click to pick several; they are indexed in the table's order." }),
      h("div", { class: "checks" }, check("unique", unique), check("concurrently", concurrently),
        opts.help?.concurrently ? h("small", { class: "hint field-help" }, opts.help.concurrently) : null),
      field("Comment", comment, { wide: true }),
    ],
    body: () => {
      if (!name.value) throw new Error("Type the index's name.");
      const picked = [...columns.selectedOptions].map((o) => o.value);
      if (!picked.length) throw new Error("Pick at least one column.");
      return dropEmpty({ kind: "index", db, schema, table, name: name.value, columns: picked, unique: unique.checked,
        method: method.value, concurrently: concurrently.checked, comment: comment.value || undefined });
    },
  });
}
