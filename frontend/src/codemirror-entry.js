// Entry point for the vendored CodeMirror 6 bundle used by the query tool.
// Built by `npm run build` into pgadmin_lite/static/vendor/codemirror/codemirror.bundle.js
// (one self-contained, minified ES module; no bare imports at runtime).
import { basicSetup } from "codemirror";
import { Decoration, EditorView, keymap } from "@codemirror/view";
import { EditorState, Prec, Compartment, StateEffect, StateField } from "@codemirror/state";
import { defaultKeymap, indentWithTab } from "@codemirror/commands";
import { toggleComment } from "@codemirror/commands";
import { openSearchPanel } from "@codemirror/search";
import { sql, PostgreSQL } from "@codemirror/lang-sql";
import { HighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { tags } from "@lezer/highlight";
import {
  acceptCompletion,
  autocompletion,
  completionStatus,
  selectedCompletionIndex,
  setSelectedCompletion,
  startCompletion,
} from "@codemirror/autocomplete";

export {
  EditorView,
  EditorState,
  basicSetup,
  keymap,
  sql,
  PostgreSQL,
  defaultKeymap,
  indentWithTab,
  Prec,
  Compartment,
  Decoration,
  StateEffect,
  StateField,
  HighlightStyle,
  syntaxHighlighting,
  tags,
  acceptCompletion,
  autocompletion,
  completionStatus,
  selectedCompletionIndex,
  setSelectedCompletion,
  startCompletion,
  toggleComment,
  openSearchPanel,
};

// The SQL language of each editor sits in this compartment, so configureSql() can give it a catalog later.
const language = new Compartment();

/**
 * Create a SQL editor (PostgreSQL dialect) inside `parent`.
 *
 * @param {Element} parent            DOM element the editor is appended to.
 * @param {object}  [options]
 * @param {string}  [options.doc=""]  Initial document text.
 * @param {(doc: string) => void} [options.onChange]
 *        Called with the whole document text after every change to the document.
 * @param {Array<import("@codemirror/view").KeyBinding>} [options.extraKeys=[]]
 *        Key bindings such as {key: "Mod-Enter", run: fn} or
 *        {key: "F5", run: fn, preventDefault: true}; installed with Prec.highest,
 *        so they win over basicSetup's default bindings.
 * @param {Array} [options.extensions=[]]  Additional CodeMirror extensions.
 * @param {object} [options.sqlConfig={}]  Options for sql() besides the dialect (schema, defaultSchema, …).
 * @returns {EditorView}
 */
export function createSqlEditor(parent, { doc = "", onChange, extraKeys = [], extensions = [], sqlConfig = {} } = {}) {
  const exts = [
    Prec.highest(keymap.of(extraKeys)),
    basicSetup,
    language.of(sql({ dialect: PostgreSQL, ...sqlConfig })),
  ];
  if (typeof onChange === "function") {
    exts.push(
      EditorView.updateListener.of((update) => {
        if (update.docChanged) onChange(update.state.doc.toString());
      }),
    );
  }
  exts.push(extensions);
  return new EditorView({
    parent,
    state: EditorState.create({ doc, extensions: exts }),
  });
}

/**
 * Give an editor's SQL language new options (the catalog's `schema`, `defaultSchema`), keeping the dialect.
 * @param {EditorView} view
 * @param {object} sqlConfig
 */
export function configureSql(view, sqlConfig) {
  view.dispatch({ effects: language.reconfigure(sql({ dialect: PostgreSQL, ...sqlConfig })) });
}

/**
 * Text of the main selection of `view`, or "" when the selection is empty.
 * @param {EditorView} view
 * @returns {string}
 */
export function getSelectedText(view) {
  const { from, to } = view.state.selection.main;
  return from === to ? "" : view.state.sliceDoc(from, to);
}
