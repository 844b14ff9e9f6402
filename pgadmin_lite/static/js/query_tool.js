// The query tool page: connect (or re-attach after a reload), run SQL, show rows, messages and plans.
import { api, h, url } from "./api.js";
import { confirmAction } from "./components/dialog.js";
import { ExplainOptions } from "./components/explain_options.js";
import { DraftStore } from "./drafts.js";
import { HistoryPanel } from "./history_panel.js";
import { CatalogFeed } from "./qt_catalog.js";
import { formatDuration, renderApiError, renderMessages } from "./messages.js";
import { isPlanResult } from "./lib/plan_math.js";
import { renderPlan } from "./plan_view.js";
import { ResultChart } from "./result_chart.js";
import { FileActions } from "./qt_files.js";
import { formatEditor, statementAtCursor } from "./qt_editor_actions.js";
import { actionFor, editorKeys, readShortcuts, showShortcutHelp, titleButtons } from "./qt_shortcuts.js";
import { ToolSession } from "./qt_session.js";
import { GridEditor } from "./grid_editing.js";
import { ResultsGrid } from "./results_grid.js";
import { markReady } from "./page_ready.js";
import { installSessionGuard } from "./session_guard.js";
import { SqlEditor } from "./sql_editor.js";
import { StatementResults } from "./statement_results.js";
import { TxBadge } from "./tx_badge.js";
import { errorText, promptPassword } from "./ui.js";
import { paintServer } from "./lib/server_colors.js";

const $ = (selector) => document.querySelector(selector);
const buttons = {
  execute: $("#execute"), executeStatement: $("#execute-statement"), cancel: $("#cancel"), explain: $("#explain"), analyze: $("#explain-analyze"),
  commit: $("#commit"), rollback: $("#rollback"), reconnect: $("#reconnect"), close: $("#close-tool"),
  format: $("#format-sql"), find: $("#find"), comment: $("#toggle-comment"), help: $("#shortcuts-button"),
  open: $("#file-open"), save: $("#file-save"), saveAs: $("#file-save-as"), exportStorage: $("#export-storage"),
};
const downloadLink = $("#download-csv");  // its id from the CSV-only days: scripts and tests use it
const formatSelect = $("#export-format");
const FORMAT_KEY = "pgadmin-lite:export-format";
const statusEl = $("#qt-status");
const messagesEl = $("#messages");
const problemEl = $("#qt-problem");
const warningsEl = $("#qt-warnings");
const modeBoxes = {
  autocommit: $("#mode-autocommit"), auto_rollback: $("#mode-auto-rollback"), single_transaction: $("#mode-single-transaction"),
};
const shortcuts = readShortcuts($("#query-tool"));
const HOLD_CHECK_MS = 5000;
const FETCH_LIMIT = 1000;
const SESSION_GONE = new Set([404, 409, 410]);

const params = new URLSearchParams(window.location.search);
const serverId = Number(params.get("server_id"));
const tabId = params.get("tab");  // the workspace tab this tool is in: its own connection, draft and file
const tabKey = tabId ? `:${tabId}` : "";
const state = { connected: false, running: false, hasRows: false, interrupted: false, closing: false, startedAt: 0 };
let session = null;
let editor = null;
let drafts = null;
let files = null;
let runTimer = null;
let pageTitle = document.title;
let holdTimer = null;

const badge = new TxBadge($("#tx-badge"));
const grid = new ResultsGrid($("#results"), {
  loadMore: async (limit = FETCH_LIMIT) => {
    const page = await session.fetch(limit);
    if (page.released) refreshBadge();
    return page;
  },
  onRunAgain: () => state.lastRun && runSql(state.lastRun.sql, state.lastRun.run),
});
new GridEditor(grid, {
  request: (method, path, body, query) => api(method, `${session.base}/${path}`, body, query),
  onApplied: (answer) => setBadge({ transaction_status: answer.transaction_status,
    holds: answer.in_transaction ? "transaction" : "nothing" }),
});
const chart = new ResultChart($("#chart-panel"));
const explainOptions = new ExplainOptions($("#explain-options"));
const resultSets = new StatementResults({ strip: $("#result-sets"), main: grid, previewEl: $("#preview"),
  onSelect: () => chart.setSource(chartSource()) });
grid.onChange = () => {
  if (!state.running && state.lastResult) setStatus(resultSummary(state.lastResult));
  chart.setSource(chartSource());
};

/** What the Chart tab draws: the result set in view under Data output (the paged one as far as it is loaded). */
function chartSource() {
  const st = resultSets.previewSet;
  if (!st) return { columns: grid.columns, rows: grid.rows, hasMore: grid.hasMore };  // the grid's loaded rows
  const rows = st.rows ?? [];
  return { columns: st.columns, rows, hasMore: (st.row_count ?? 0) > rows.length };
}

function showTab(name) {
  for (const tab of document.querySelectorAll(".qt-tabs .tab")) {
    const isActive = tab.dataset.tab === name;
    tab.classList.toggle("active", isActive);
    tab.setAttribute("aria-selected", String(isActive));
  }
  for (const panel of document.querySelectorAll(".tab-panel")) panel.hidden = panel.dataset.panel !== name;
}

function setStatus(text) {
  statusEl.textContent = text;
}

function resultSummary(result) {
  const parts = [];
  if (grid.columns.length) parts.push(grid.summary());
  else if (result.rows_affected != null) parts.push(`${result.rows_affected} rows affected`);
  if (result.duration_ms != null) parts.push(formatDuration(result.duration_ms));
  if (result.error) parts.push(result.error.cancelled ? "cancelled" : "failed");
  return parts.join(" · ");
}

function updateButtons() {
  const { connected, running } = state;
  const ready = connected && !running;
  buttons.execute.disabled = !ready;
  buttons.execute.textContent = editor?.hasSelection ? "Execute selection" : "Execute";
  buttons.executeStatement.disabled = !ready;
  buttons.explain.disabled = !ready;
  buttons.analyze.disabled = !ready;
  buttons.cancel.disabled = !(connected && running);
  buttons.commit.disabled = !(ready && badge.status === "in_transaction");
  buttons.rollback.disabled = !(ready && badge.isInTransaction);
  buttons.reconnect.hidden = badge.status !== "lost";
  for (const box of Object.values(modeBoxes)) box.disabled = !ready;
  buttons.reconnect.disabled = running;
  const canDownload = ready && state.hasRows;
  buttons.exportStorage.disabled = !canDownload;
  formatSelect.disabled = !canDownload;
  downloadLink.classList.toggle("disabled", !canDownload);
  downloadLink.setAttribute("aria-disabled", String(!canDownload));
}

function setRunning(isRunning, label = "Running") {
  state.running = isRunning;
  clearInterval(runTimer);
  if (isRunning) {
    state.startedAt = Date.now();
    const tick = () => setStatus(`${label}… ${formatDuration(Date.now() - state.startedAt)}`);
    tick();
    runTimer = setInterval(tick, 200);
  }
  updateButtons();
}

// --- Connection problems and connecting -------------------------------------------------------------------

function showProblem(err, { offerNew = false, offerRetry = false } = {}) {
  const sessionsUrl = err.body?.error?.sessions_url;  // the per-user cap: close one there
  problemEl.replaceChildren(
    h("div", { class: "problem-text" }, errorText(err)),
    h("div", { class: "problem-actions" },
      sessionsUrl ? h("a", { href: sessionsUrl, id: "open-my-sessions", class: "button primary" }, "Open My sessions")
        : null,
      offerNew ? h("button", { type: "button", class: "primary", id: "open-new-connection",
        onclick: () => connect({ isFresh: true }) }, "Open a new connection") : null,
      offerRetry ? h("button", { type: "button", id: "retry-connect", onclick: () => connect() }, "Retry") : null,
      h("a", { href: url("") }, "Back to servers")));
  problemEl.hidden = false;
}

function attached(info) {
  if (!state.connected) catalog.load();
  state.connected = true;
  problemEl.hidden = true;
  setBadge(info);
  showModes(info.modes);
  session.keepLease(info.lease, (err) => {
    if (!state.running) handleError(err);
  });
  updateButtons();
  markReady();  // attached (a running statement is followed after this)
}

/** The badge from a describe (or a result): status, transaction age, and what the connection holds. */
function setBadge(info) {
  badge.set(info.transaction_status, info.transaction_age_s, info.holds);
  clearTimeout(holdTimer);
  if (info.holds === "snapshot") holdTimer = setTimeout(refreshBadge, HOLD_CHECK_MS);
}

/** Ask the server again while it holds a snapshot for us: it lets it go on its own once paging stops. */
function refreshBadge() {
  if (!session?.txId || state.running) return;
  session.describe().then((info) => {
    if (!state.running) setBadge(info);
    updateButtons();
  }, () => {});
}

function showModes(modes) {
  if (!modes) return;
  for (const [name, box] of Object.entries(modeBoxes)) box.checked = Boolean(modes[name]);
}

async function changeMode(name) {
  const box = modeBoxes[name];
  try {
    attached(await session.setModes({ [name]: box.checked }));
  } catch (err) {
    box.checked = !box.checked;
    handleError(err);
  }
}

/** Warnings the user cannot miss (a COMMIT the server answered with ROLLBACK), above the results. */
function showWarnings(warnings) {
  warningsEl.replaceChildren(...(warnings ?? []).map((text) => h("div", { class: "qt-warning" }, `Warning: ${text}`)));
  warningsEl.hidden = !warnings?.length;
}

function detached(status = "closed") {
  session?.stopLease();
  state.connected = false;
  state.hasRows = false;
  badge.set(status);
  updateButtons();
  markReady();
}

async function openNew() {
  let password;
  for (;;) {
    try {
      attached(await session.open(password));
      return;
    } catch (err) {
      if (err.code === "password_required") {
        markReady();  // the page now waits for the user
        password = await promptPassword(`Password for ${$("#qt-target").textContent || "this server"}`, err.message);
        if (password !== null) continue;
      }
      detached();
      if (err.status !== 401) showProblem(err, { offerRetry: true });
      else state.interrupted = true;
      return;
    }
  }
}

/** Re-attach to this tab's tx_id (following a running statement), or open a new query tool. */
async function connect({ isFresh = false } = {}) {
  problemEl.hidden = true;
  badge.set("connecting");
  state.interrupted = false;
  if (isFresh) session.forget();
  if (!session.txId) {
    await openNew();
    return;
  }
  try {
    const info = await session.describe();
    attached(info);
    if (info.is_running || info.has_result) await follow(() => session.waitResult(), null);
  } catch (err) {
    if (tabId && SESSION_GONE.has(err.status) && err.code !== "busy" && err.code !== "connection_lost") {
      await reopenInTab(err);
      return;
    }
    handleError(err);
  }
}

/** A workspace tab that comes back (a reload, a restart) to a connection that is gone opens a new one and says so. */
async function reopenInTab(err) {
  session.forget();
  await openNew();
  if (!state.connected) return;
  const notice = $("#qt-notice");
  notice.replaceChildren(`This tab's previous connection ended (${err.message}); this is a new connection.`,
    h("button", { type: "button", class: "link", "aria-label": "Dismiss", onclick: () => { notice.hidden = true; } }, " ×"));
  notice.hidden = false;
}

// --- Running ----------------------------------------------------------------------------------------------

function handleError(err) {
  if (err.status === 401) {
    state.interrupted = true;  // the session guard shows the banner; we resume after the re-login
    renderApiError(messagesEl, err);
    setStatus("waiting for the login");
    updateButtons();
    return;
  }
  if (SESSION_GONE.has(err.status) && err.code !== "busy" && err.code !== "connection_lost") {
    detached();
    showProblem(err, { offerNew: true });
  } else if (err.code === "connection_lost") {
    badge.set("lost");
  }
  renderApiError(messagesEl, err);
  showTab("messages");
  setStatus("failed");
  updateButtons();
}

/** Wait for a run's result (running state meanwhile), then show it, or the API error. */
async function follow(getResult, run) {
  setRunning(true);
  let result = null;
  let failure = null;
  try {
    result = await getResult();
  } catch (err) {
    failure = err;
  }
  setRunning(false);
  if (failure) handleError(failure);
  else showResult(result, run);
  historyPanel.refresh();
}

/** Run sql; run = {from, docText, mode, explain} locates errors in the editor (explain: the options). */
function runSql(sql, run) {
  if (!state.connected || state.running || !sql.trim()) return;
  editor.clearErrorMark();
  state.lastRun = { sql, run };
  showWarnings([]);
  return follow(() => session.execute(sql, undefined, run?.explain ? { explain: run.explain } : {}), run);
}

function runEditor() {
  const current = editor.current();
  runSql(current.sql, { ...current, mode: "query" });
}

/** Run only the statement under the cursor (psql's boundaries: the server's splitter finds it). */
async function runStatement() {
  const current = await cursorStatement();
  if (current) runSql(current.sql, { ...current, mode: "query" });
}

/** The cursor's statement, asked of the server while the page shows itself busy (no second run meanwhile). */
async function cursorStatement() {
  if (!state.connected || state.running) return null;
  setRunning(true, "Finding the statement");
  let current = null;
  let failure = null;
  try {
    current = await statementAtCursor(editor);
  } catch (err) {
    failure = err;
  }
  setRunning(false);  // runSql, called next in the same task, shows the run at once
  if (failure) handleError(failure);
  else if (!current) setStatus("No statement at the cursor.");
  return current;
}

/** The server wraps the statement in EXPLAIN (options…, FORMAT JSON): the history keeps it as typed.
 * No selection: the cursor's statement. isAnalyze undefined: the options menu's ANALYZE. */
async function runExplain(isAnalyze, current = null) {
  current ??= editor.hasSelection ? editor.current() : await cursorStatement();
  if (current) runSql(current.sql, { ...current, mode: "explain", explain: explainOptions.options(isAnalyze) });
}

/** Format SQL: on a syntax error the text stays as it is and the error shows, its line marked. */
async function formatSql() {
  try {
    if (await formatEditor(editor)) setStatus("Formatted.");
  } catch (err) {
    if (err.status === 401) return handleError(err);
    renderApiError(messagesEl, err);
    showTab("messages");
    setStatus("Not formatted");
    const position = err.body?.error?.position;
    const lineNumber = position ? editor.locate({ position }, err.run) : null;
    if (lineNumber) editor.markErrorLine(lineNumber, { position }, err.run);
  }
}

/** What each action of the shortcut table does (qt_shortcuts.js). */
const actions = {
  execute: runEditor,
  execute_statement: runStatement,
  explain: () => runExplain(undefined),
  explain_analyze: () => runExplain(true),
  format: formatSql,
  find: () => editor.openSearch(),
  toggle_comment: () => editor.toggleComment(),
  file_open: () => files?.open(),
  file_save: () => files?.save(),
  file_save_as: () => files?.saveAs(),
  shortcuts_help: () => showShortcutHelp(shortcuts),
};

function showResult(result, run) {
  state.lastResult = result;
  const status = result.error?.connection_lost ? "lost" : result.transaction_status;
  setBadge({ transaction_status: status, holds: result.holds });
  showWarnings(result.warnings);
  const error = result.error;
  let lineNumber = null;
  if (error && !error.cancelled && !error.connection_lost) lineNumber = editor.locate(error, run);
  const hasPlan = !error && (run?.mode === "explain" || isPlanResult(result)) && renderPlan($("#plan"), result);
  catalog.afterRun(result);
  grid.show(result);
  resultSets.show(result);
  state.hasRows = grid.columns.length > 0 && result.rows_statement_index != null;
  renderMessages(messagesEl, result, { lineNumber, rowsSummary: grid.summary() });
  setStatus(resultSummary(result));
  if (error || result.warnings?.length) showTab("messages");
  else if (hasPlan) showTab("plan");
  else showTab(grid.columns.length ? "data" : "messages");
  if (lineNumber) editor.markErrorLine(lineNumber, error, run);
  updateButtons();
}

async function cancelRun() {
  buttons.cancel.disabled = true;
  setStatus("Cancelling…");
  try {
    await session.cancel();
  } catch (err) {
    handleError(err);
  }
}

async function reconnect() {
  try {
    attached(await session.reconnect());
    setStatus("Reconnected.");
  } catch (err) {
    handleError(err);
  }
}

async function closeTool() {
  if (badge.isInTransaction && !await confirmAction({ title: "Close the query tool?", isDanger: true,
    message: "A transaction is open. Close the query tool and roll it back?", confirmLabel: "Roll back and close" })) {
    return;
  }
  state.closing = true;
  drafts.flush();
  try {
    if (session.txId) await session.close();
  } catch {
    // already gone: nothing left to close
  }
  if (tabId) window.dispatchEvent(new CustomEvent("pgadmin-lite:tool-closed"));  // the workspace closes the tab
  else window.location.assign(url(""));
}

// --- Start-up ---------------------------------------------------------------------------------------------

const historyPanel = new HistoryPanel({
  els: { panel: $("#history-panel"), list: $("#history-list"), search: $("#history-search"),
    toggle: $("#history-toggle"), scope: $("#history-scope"), status: $("#history-status"), note: $("#history-note") },
  target: { serverId, get database() { return params.get("database"); } },
  onInsert: (sql) => {
    editor.insertAtCursor(sql);
    editor.focus();
  },
  onRun: (entry) => {
    const run = { sql: entry.sql, from: 0, docText: null };
    if (entry.kind === "query") runSql(entry.sql, { ...run, mode: "query" });
    else runExplain(entry.kind === "explain_analyze", run);
  },
});
const catalog = new CatalogFeed({ session: () => session, onCatalog: (snapshot) => editor.setCatalog(snapshot),
  el: $("#editor") });

async function resolveTarget() {
  let database = params.get("database");
  const server = await api("GET", `api/v1/servers/${serverId}`);
  if (!database) {
    database = server.maintenance_db;
    params.set("database", database);
    window.history.replaceState(null, "", `${window.location.pathname}?${params}`);
  }
  return { server, database };
}

function wireControls() {
  buttons.execute.addEventListener("click", runEditor);
  buttons.executeStatement.addEventListener("click", runStatement);
  buttons.format.addEventListener("click", formatSql);
  buttons.find.addEventListener("click", () => editor.openSearch());
  buttons.comment.addEventListener("click", () => editor.toggleComment());
  buttons.help.addEventListener("click", () => showShortcutHelp(shortcuts));
  titleButtons(shortcuts);
  buttons.explain.addEventListener("click", () => runExplain(undefined));
  buttons.analyze.addEventListener("click", () => runExplain(true));
  buttons.cancel.addEventListener("click", cancelRun);
  buttons.commit.addEventListener("click", () => runSql("COMMIT", { mode: "tx" }));
  buttons.rollback.addEventListener("click", () => runSql("ROLLBACK", { mode: "tx" }));
  buttons.reconnect.addEventListener("click", reconnect);
  buttons.close.addEventListener("click", closeTool);
  buttons.open.addEventListener("click", () => files?.open());
  buttons.save.addEventListener("click", () => files?.save());
  buttons.saveAs.addEventListener("click", () => files?.saveAs());
  buttons.exportStorage.addEventListener("click", () => files?.exportTo(formatSelect.value));
  formatSelect.value = localStorage.getItem(FORMAT_KEY) || "csv";
  if (!formatSelect.value) formatSelect.value = "csv";  // a stored format this page no longer offers
  formatSelect.addEventListener("change", () => localStorage.setItem(FORMAT_KEY, formatSelect.value));
  for (const name of Object.keys(modeBoxes)) modeBoxes[name].addEventListener("change", () => changeMode(name));
  downloadLink.addEventListener("click", (event) => {
    event.preventDefault();
    if (!downloadLink.classList.contains("disabled")) session.download(formatSelect.value);
  });
  for (const tab of document.querySelectorAll(".qt-tabs .tab")) tab.addEventListener("click", () => showTab(tab.dataset.tab));
  document.addEventListener("keydown", (event) => {  // outside the editor (its keymap has the same table)
    if (event.defaultPrevented || !editor) return;
    const name = actionFor(shortcuts, event);
    if (!name) return;
    event.preventDefault();
    actions[name]();
  });
  window.addEventListener("beforeunload", (event) => {
    drafts?.flush();
    if (badge.isInTransaction && !state.closing) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
  // The tab's connection ends with the page (a reload re-attaches within the server's grace); a page back from
  // the back-forward cache re-attaches, or learns what became of its connection.
  window.addEventListener("pagehide", () => {
    if (!state.closing) session?.sayGoodbye();
  });
  window.addEventListener("pageshow", (event) => {
    if (event.persisted && session) connect();
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && state.connected) session.renewLease();
  });
  window.addEventListener("pgadmin-lite:logged-in", () => {
    if (state.interrupted) connect();
  });
}

/** An export keeps the session busy like a run: the same running state, then the badge as it is now. */
function exportBusy(label) {
  setRunning(Boolean(label), label ?? undefined);
  if (label) return;
  setStatus(state.lastResult ? resultSummary(state.lastResult) : "");
  refreshBadge();
}

function createFileActions() {
  files = new FileActions({
    getText: () => editor.text,
    setText: (text) => editor.setText(text),
    session: () => session,
    onBusy: exportBusy,
    onTitle: (name) => { document.title = name ? `${name} — ${pageTitle}` : pageTitle; },
    els: { name: $("#qt-file"), notice: $("#qt-file-notice") },
    storeKey: `pgadmin-lite:qt-file:${serverId}:${params.get("database")}${tabKey}`,
  });
  files.restore(editor.text);
}

/** From My sessions' Open: take up a connection kept after its page closed (its transaction open). */
function adoptFromPanel() {
  if (!params.has("attach")) return;
  session.adopt(params.get("attach"));
  params.delete("attach");
  window.history.replaceState(null, "", `${window.location.pathname}?${params}`);
}

async function main() {
  installSessionGuard();
  wireControls();
  if (!Number.isInteger(serverId) || serverId <= 0) {
    showProblem(new Error("No server chosen."), {});
    detached();
    return;
  }
  let target;
  try {
    target = await resolveTarget();
  } catch (err) {
    detached();
    if (err.status !== 401) showProblem(err, { offerRetry: false });
    return;
  }
  const { server, database } = target;
  const where = `${server.username}@${server.name}${server.read_only ? " (read-only)" : ""}`;
  for (const [selector, text] of [["#qt-title", database], ["#qt-target", where]]) {
    Object.assign($(selector), { textContent: text, title: text });  // the whole name when the header cuts it
  }
  paintServer($("#qt-target"), server);
  pageTitle = `${database} on ${server.name} · Query tool`;
  document.title = pageTitle;
  const userId = document.querySelector('meta[name="user-id"]')?.content;
  drafts = new DraftStore({ key: `qt:${serverId}:${database}${tabKey}`, userId, statusEl: $("#draft-status") });
  let isTouched = false;
  editor = new SqlEditor($("#editor"), {
    doc: drafts.localText(),
    keys: editorKeys(shortcuts, actions),
    onText: (text) => {
      isTouched = true;
      drafts.change(text);
      files?.textChanged();
    },
    onSelection: updateButtons,
  });
  const searchPath = params.get("search_path");
  session = new ToolSession(serverId, database, { tabId, searchPath: searchPath ? [searchPath] : null });
  createFileActions();
  adoptFromPanel();
  drafts.reconcile().then((text) => {
    if (text !== null && !isTouched) {
      editor.setText(text, { isUserEdit: false });
      files.textChanged();
    }
  });
  grid.clear("Run a query to see its rows here.");
  await connect();
  editor.focus();
}

main();
