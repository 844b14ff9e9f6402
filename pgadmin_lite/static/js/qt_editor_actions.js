// The editor's text actions that ask the server: the statement under the cursor (psql's boundaries, from the
// splitter the engine runs with, not a second lexer) and Format SQL (PostgreSQL's parser, pglast).
import { api } from "./api.js";

/** The statement under the cursor as {sql, from, docText} (what runSql takes), or null when there is none. */
export async function statementAtCursor(editor) {
  const docText = editor.text;
  const span = await api("POST", "api/v1/query-tool/statement-at", { sql: docText, cursor: editor.cursor });
  if (span.from === null || docText !== editor.text) return null;  // nothing there, or edited meanwhile
  return { sql: docText.slice(span.from, span.to), from: span.from, docText };
}

/**
 * Format the selection, or the whole text, in one undoable change; on a syntax error nothing changes and
 * the error (with its position, located like a run's) is thrown for the page to show.
 */
export async function formatEditor(editor) {
  const { from, to } = editor.selectionOrAll();
  const docText = editor.text;
  try {
    const { sql } = await api("POST", "api/v1/query-tool/format", { sql: docText.slice(from, to) });
    if (editor.text !== docText) return false;  // edited while the server worked: keep the user's text
    editor.replaceRange(from, to, sql);
    return true;
  } catch (err) {
    err.run = { from, docText };
    throw err;
  }
}
