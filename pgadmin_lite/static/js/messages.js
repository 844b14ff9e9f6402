// The messages panel: each statement's command tag, notices, and errors with sqlstate/detail/hint/line.
import { h } from "./api.js";

const FATES = { rolled_back: "rolled back", in_transaction: "in the open transaction", not_run: "not run" };

function statementLine(st) {
  const affected = st.rows_affected != null && !/\d$/.test(st.command ?? "") ? ` (${st.rows_affected} rows)` : "";
  const fate = FATES[st.fate] ? ` — ${FATES[st.fate]}` : "";
  const tag = st.status === "error" ? "failed" : st.command ?? "OK";
  return h("li", { class: "msg-statement" }, `Statement ${st.index + 1}: `, h("code", {}, tag), affected, fate);
}

/** A warning the user cannot miss, e.g. a COMMIT the server answered with ROLLBACK. */
function warningBlock(text) {
  return h("div", { class: "msg-error msg-warning", role: "alert" },
    h("div", { class: "msg-error-title" }, h("strong", {}, "WARNING: "), text));
}

function errorBlock(error, lineNumber) {
  const title = error.cancelled ? "Query cancelled" : error.connection_lost ? "Connection lost" : "ERROR";
  const fields = [
    ["SQLSTATE", error.sqlstate], ["Detail", error.detail], ["Hint", error.hint], ["Context", error.context],
  ];
  const where = [];
  if (lineNumber) where.push(`line ${lineNumber}`);
  if (error.statement_index != null) where.push(`statement ${error.statement_index + 1}`);
  return h("div", { class: `msg-error${error.cancelled ? " cancelled" : ""}`, role: "alert" },
    h("div", { class: "msg-error-title" }, h("strong", {}, `${title}: `), error.message),
    where.length ? h("div", { class: "msg-where" }, `at ${where.join(", ")}`) : null,
    fields.filter(([, value]) => value).map(([label, value]) =>
      h("div", { class: `msg-field msg-${label.toLowerCase()}` }, h("span", { class: "msg-label" }, `${label}: `), String(value))));
}

/** Render one finished result's messages; lineNumber is the failing editor line, if known. */
export function renderMessages(container, result, { lineNumber, rowsSummary } = {}) {
  const parts = (result.warnings ?? []).map(warningBlock);
  const statements = result.statements ?? [];
  if (statements.length) parts.push(h("ol", { class: "msg-statements" }, statements.map(statementLine)));
  for (const notice of result.notices ?? []) {
    parts.push(h("div", { class: "msg-notice" }, h("strong", {}, `${notice.severity ?? "NOTICE"}: `), notice.message));
  }
  if (result.error) parts.push(errorBlock(result.error, lineNumber));
  if (result.error && result.summary) parts.push(h("p", { class: "msg-fates" }, result.summary));
  const took = result.duration_ms != null ? ` in ${formatDuration(result.duration_ms)}` : "";
  parts.push(h("p", { class: result.error ? "msg-summary failed" : "msg-summary ok" },
    result.error ? `Query failed${took}.` : `Query returned successfully${took}.${rowsSummary ? ` ${rowsSummary}.` : ""}`));
  container.replaceChildren(...parts);
}

/** An API-level failure (not a SQL error): the server's message and hint. */
export function renderApiError(container, err) {
  container.replaceChildren(h("div", { class: "msg-error", role: "alert" },
    h("div", { class: "msg-error-title" }, h("strong", {}, "Error: "), err.message),
    err.hint ? h("div", { class: "msg-field msg-hint" }, h("span", { class: "msg-label" }, "Hint: "), err.hint) : null));
}

export function formatDuration(ms) {
  if (ms == null) return "";
  if (ms < 1000) return `${ms < 10 ? ms.toFixed(2) : Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}
