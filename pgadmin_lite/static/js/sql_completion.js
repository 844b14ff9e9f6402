// Completion in the SQL editor: CodeMirror's SQL schema built from the tab's catalog snapshot (tables → columns
// by schema; the search_path's tables also unqualified), and a popup that never takes Enter unless the user
// opened it (Ctrl+Space) or moved into it (arrow keys). Tab accepts; Enter is otherwise a newline.
import {
  acceptCompletion,
  autocompletion,
  completionStatus,
  EditorView,
  selectedCompletionIndex,
  setSelectedCompletion,
  startCompletion,
} from "../vendor/codemirror/codemirror.bundle.js";

const RELATION_KINDS = {
  r: "table", p: "partitioned table", v: "view", m: "materialized view", f: "foreign table", S: "sequence",
};
const PLAIN_NAME = /^[a-z_][a-z_\d$]*$/;

/** A completion for a name, quoted as SQL needs it ("Note", "my table"). */
function named(label, type, detail) {
  const option = { label, type, detail };
  if (!PLAIN_NAME.test(label)) option.apply = `"${label.replaceAll('"', '""')}"`;
  return option;
}

/** lang-sql splits namespace keys at dots: a dot that is part of a name is escaped. */
const key = (name) => name.replaceAll(".", "\\.");

/** The sql() options for a catalog snapshot: {schema, defaultSchema}. */
export function sqlSchemaConfig(catalog) {
  const schemas = new Map(catalog.schemas.map((name) => [name, {}]));
  for (const relation of catalog.relations) {
    if (!schemas.has(relation.schema)) schemas.set(relation.schema, {});
    schemas.get(relation.schema)[key(relation.name)] = {
      self: named(relation.name, "type", RELATION_KINDS[relation.kind] ?? "relation"),
      children: relation.columns.map((column) => named(column.name, "property", column.type)),
    };
  }
  const schema = {};
  for (const [name, tables] of schemas) schema[key(name)] = { self: named(name, "namespace", "schema"), children: tables };
  const [defaultSchema, ...alsoInPath] = catalog.search_path_schemas.filter((name) => schemas.has(name));
  const taken = new Set([...schemas.keys(), ...Object.keys(schemas.get(defaultSchema) ?? {})]);
  for (const name of alsoInPath) {  // later schemas of the path: their tables unqualified too, unless hidden
    for (const [table, entry] of Object.entries(schemas.get(name))) {
      if (taken.has(table)) continue;
      taken.add(table);
      schema[table] = entry;
    }
  }
  return defaultSchema ? { schema, defaultSchema } : { schema };
}

/**
 * The popup's configuration and keys (one set per editor: `isOpenedByUser` is this editor's). The keys go to
 * createSqlEditor's extraKeys: basicSetup's own completion keys are Prec.highest too, and the first one wins.
 */
export function completionSetup() {
  let isOpenedByUser = false;
  const accept = (view) => {
    if (completionStatus(view.state) !== "active") return false;
    if (selectedCompletionIndex(view.state) === null) view.dispatch({ effects: setSelectedCompletion(0) });
    return acceptCompletion(view);
  };
  return {
    keys: [
      { key: "Tab", run: accept },
      { key: "Enter", run: (view) => isOpenedByUser && accept(view) },
      { key: "Ctrl-Space", run: (view) => { isOpenedByUser = true; return startCompletion(view); } },
    ],
    extensions: [
      // Nothing is chosen until the user moves into the list, so no key can take a popup they did not ask for:
      // the delay CodeMirror waits before a key may accept (against that accident) is not needed.
      autocompletion({ selectOnOpen: false, interactionDelay: 0, activateOnTypingDelay: 0 }),
      EditorView.updateListener.of((update) => {
        if (completionStatus(update.state) === null) isOpenedByUser = false;
      }),
    ],
  };
}
