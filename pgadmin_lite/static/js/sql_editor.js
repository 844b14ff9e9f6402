// The query tool's CodeMirror editor: run keys, "the selection or everything", and the error-line mark.
import { createSqlEditor, EditorView, getSelectedText } from "../vendor/codemirror/codemirror.bundle.js";
import { h } from "./api.js";

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

export class SqlEditor {
  /** onRun() for F5 / Ctrl|Cmd+Enter; onText(text) after user edits; onSelection() when the selection changes. */
  constructor(parent, { doc, onRun, onText, onSelection }) {
    this.parent = parent;
    this.errorLine = null;
    this.isApplying = false;
    const run = () => {
      onRun();
      return true;
    };
    this.view = createSqlEditor(shadowMount(parent), {
      doc,
      onChange: (text) => {
        if (!this.isApplying) onText(text);
      },
      extraKeys: [
        { key: "F5", run, preventDefault: true },
        { key: "Mod-Enter", run, preventDefault: true },
      ],
      extensions: [replaceSelectionInput, EditorView.updateListener.of((update) => {
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

  /** Replace the whole text (history pick, newer server draft); isUserEdit decides if it autosaves. */
  setText(text, { isUserEdit = true } = {}) {
    this.isApplying = !isUserEdit;
    try {
      this.view.dispatch({ changes: { from: 0, to: this.view.state.doc.length, insert: text } });
    } finally {
      this.isApplying = false;
    }
  }

  /**
   * Where an error sits in the editor: run = {from, prefixLength, docText} of the script that ran,
   * error = {position (1-based in the script), line}. Returns the editor line number or null.
   */
  locate(error, run) {
    const doc = this.view.state.doc;
    if (!run || run.docText !== this.text) return error.line ?? null;
    if (error.position) {
      const pos = run.from + error.position - 1 - (run.prefixLength ?? 0);
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
      pos = Math.min(Math.max(run.from + error.position - 1 - (run.prefixLength ?? 0), line.from), line.to);
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
