// The query tool's CodeMirror editor: run keys, "the selection or everything", completion from the catalog,
// and the error-line mark.
import {
  configureSql, createSqlEditor, EditorView, getSelectedText, HighlightStyle, openSearchPanel, syntaxHighlighting, tags,
  toggleComment,
} from "../vendor/codemirror/codemirror.bundle.js";
import { h } from "./api.js";
import { completionSetup, sqlSchemaConfig } from "./sql_completion.js";

/**
 * A shadow root for the editor. CodeMirror injects its styles as a <style> element into a document
 * (refused by our CSP, style-src 'self'), but as a constructed stylesheet (adoptedStyleSheets) into a
 * shadow root, which CSP allows. Our own rules for it come from app.css, linked inside (":host(...)").
 */
function shadowMount(host) {
  const shadow = host.attachShadow({ mode: "open" });
  const sheet = document.querySelector('link[rel="stylesheet"]');
  if (sheet) shadow.append(h("link", { rel: "stylesheet", href: sheet.href }));
  const mount = h("div", { class: "editor-mount" });
  shadow.append(mount);
  return mount;
}

/**
 * Replacing or deleting a selection ourselves: left to contenteditable, Chrome re-applies the removed
 * text's highlighting as an inline style="" span (a CSP violation, and noise CodeMirror then undoes).
 */
const replaceSelectionInput = EditorView.domEventHandlers({
  beforeinput(event, view) {
    const isReplace = event.inputType === "insertText" || event.inputType === "insertReplacementText";
    if (event.isComposing || view.state.selection.main.empty) return false;
    if (!isReplace && !event.inputType.startsWith("delete")) return false;
    event.preventDefault();
    const text = isReplace ? event.data ?? event.dataTransfer?.getData("text/plain") ?? "" : "";
    view.dispatch(view.state.replaceSelection(text),
      { userEvent: isReplace ? "input.type" : "delete.selection", scrollIntoView: true });
    return true;
  },
});

/**
 * The editor's colours are the page's palette variables (app.css), so one theme serves light and dark:
 * custom properties inherit into the shadow root, and light-dark() follows the page's color-scheme.
 */
const paletteTheme = EditorView.theme({
  "&": { color: "var(--fg)", backgroundColor: "var(--editor-bg)" },
  ".cm-content": { caretColor: "var(--fg)" },
  ".cm-cursor, .cm-dropCursor": { borderLeftColor: "var(--fg)" },
  "&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground, ::selection":
    { backgroundColor: "var(--editor-selection)" },
  ".cm-gutters": { backgroundColor: "var(--editor-gutter-bg)", color: "var(--muted)", borderRight: "1px solid var(--line)" },
  ".cm-activeLine, .cm-activeLineGutter": { backgroundColor: "var(--editor-active-line)" },
  ".cm-selectionMatch, .cm-searchMatch": { backgroundColor: "var(--warn-bg)" },
  "&.cm-focused .cm-matchingBracket": { backgroundColor: "var(--selected)", outline: "1px solid var(--selected-line)" },
  ".cm-panels, .cm-tooltip": { backgroundColor: "var(--card)", color: "var(--fg)", border: "1px solid var(--line)" },
  ".cm-tooltip-autocomplete > ul > li[aria-selected]": { backgroundColor: "var(--accent)", color: "var(--on-accent)" },
  ".cm-textfield": { backgroundColor: "var(--surface)", color: "var(--fg)", border: "1px solid var(--line)" },
  ".cm-button": { backgroundImage: "none", backgroundColor: "var(--surface)", color: "var(--fg)" },
});

const paletteHighlight = syntaxHighlighting(HighlightStyle.define([
  { tag: [tags.keyword, tags.operatorKeyword, tags.modifier], color: "var(--syn-keyword)" },
  { tag: tags.string, color: "var(--syn-string)" },
  { tag: [tags.number, tags.bool, tags.null], color: "var(--syn-number)" },
  { tag: [tags.comment, tags.lineComment, tags.blockComment], color: "var(--syn-comment)", fontStyle: "italic" },
  { tag: [tags.typeName, tags.standard(tags.name)], color: "var(--syn-type)" },
  { tag: [tags.special(tags.string), tags.special(tags.name)], color: "var(--syn-literal)" },  // "quoted", :var
  { tag: [tags.name, tags.propertyName], color: "var(--syn-name)" },
  { tag: [tags.operator, tags.punctuation, tags.bracket], color: "var(--syn-operator)" },
  { tag: tags.invalid, color: "var(--danger)" },
]));

export class SqlEditor {
  /** keys: CodeMirror bindings (qt_shortcuts.js); onText(text) after user edits; onSelection() when it changes. */
  constructor(parent, { doc, keys, onText, onSelection }) {
    this.parent = parent;
    this.errorLine = null;
    this.isApplying = false;
    const completion = completionSetup();
    this.view = createSqlEditor(shadowMount(parent), {
      doc,
      onChange: (text) => {
        if (!this.isApplying) onText(text);
      },
      extraKeys: [...keys, ...completion.keys],
      extensions: [paletteTheme, paletteHighlight, replaceSelectionInput, completion.extensions,
        EditorView.updateListener.of((update) => {
        if (update.selectionSet || update.docChanged) {
          onSelection();
          this.dropErrorMarkIfMoved(update.docChanged);
        }
      })],
    });
  }

  get text() {
    return this.view.state.doc.toString();
  }

  get hasSelection() {
    return getSelectedText(this.view) !== "";
  }

  /** What to run: the selection when there is one, else the whole text; `from` locates errors. */
  current() {
    const selected = getSelectedText(this.view);
    if (selected.trim()) return { sql: selected, from: this.view.state.selection.main.from, docText: this.text };
    return { sql: this.text, from: 0, docText: this.text };
  }

  get cursor() {
    return this.view.state.selection.main.head;
  }

  /** The selection's range, or the whole text's when nothing is selected. */
  selectionOrAll() {
    const { from, to } = this.view.state.selection.main;
    return from === to ? { from: 0, to: this.view.state.doc.length } : { from, to };
  }

  /** Replace from..to with text as one undoable user edit, and select what was put there. */
  replaceRange(from, to, text) {
    this.view.dispatch({ changes: { from, to, insert: text }, selection: { anchor: from, head: from + text.length },
      scrollIntoView: true, userEvent: "input.format" });
  }

  toggleComment() {
    toggleComment(this.view);
    this.view.focus();
  }

  openSearch() {
    openSearchPanel(this.view);
  }

  /** Replace the whole text (history pick, newer server draft); isUserEdit decides if it autosaves. */
  setText(text, { isUserEdit = true } = {}) {
    this.isApplying = !isUserEdit;
    try {
      this.view.dispatch({ changes: { from: 0, to: this.view.state.doc.length, insert: text } });
    } finally {
      this.isApplying = false;
    }
  }

  /** Insert text at the cursor, on a line of its own, and select it (a history pick: nothing is replaced). */
  insertAtCursor(text) {
    const { state } = this.view;
    const at = state.selection.main.head;
    const before = at > 0 && state.sliceDoc(at - 1, at) !== "\n" ? "\n" : "";
    const after = at < state.doc.length && state.sliceDoc(at, at + 1) !== "\n" ? "\n" : "";
    const from = at + before.length;
    this.view.dispatch({ changes: { from: at, insert: before + text + after },
      selection: { anchor: from, head: from + text.length }, scrollIntoView: true, userEvent: "input.paste" });
  }

  /** Complete names from a catalog snapshot (GET …/catalog) instead of keywords only. */
  setCatalog(catalog) {
    configureSql(this.view, sqlSchemaConfig(catalog));
  }

  /**
   * Where an error sits in the editor: run = {from, docText} of the script that ran,
   * error = {position (1-based in the script), line}. Returns the editor line number or null.
   */
  locate(error, run) {
    const doc = this.view.state.doc;
    if (!run || run.docText !== this.text) return error.line ?? null;
    if (error.position) {
      const pos = run.from + error.position - 1;
      if (pos >= run.from && pos <= doc.length) return doc.lineAt(pos).number;
    }
    if (error.line) {
      const line = doc.lineAt(run.from).number + error.line - 1;
      return line <= doc.lines ? line : null;
    }
    return null;
  }

  /** Put the cursor on the failing line and mark it (the active-line highlight turns red). */
  markErrorLine(lineNumber, error, run) {
    const doc = this.view.state.doc;
    if (!lineNumber || lineNumber > doc.lines) return;
    const line = doc.line(lineNumber);
    let pos = line.from;
    if (error.position && run && run.docText === this.text) {
      pos = Math.min(Math.max(run.from + error.position - 1, line.from), line.to);
    }
    this.errorLine = lineNumber;
    this.view.dispatch({ selection: { anchor: pos }, scrollIntoView: true });
    this.parent.classList.add("has-error-line");
    this.parent.dataset.errorLine = String(lineNumber);
    this.view.focus();
  }

  clearErrorMark() {
    this.errorLine = null;
    this.parent.classList.remove("has-error-line");
    delete this.parent.dataset.errorLine;
  }

  dropErrorMarkIfMoved(isDocChanged) {
    if (this.errorLine === null) return;
    const head = this.view.state.selection.main.head;
    if (isDocChanged || this.view.state.doc.lineAt(head).number !== this.errorLine) this.clearErrorMark();
  }

  focus() {
    this.view.focus();
  }
}
