// The query tool's files: Open a text file from storage into the editor, Save / Save As (asking before
// replacing a file), and Export the result (CSV, TSV, JSON, NDJSON, SQL, XLSX) straight into storage. The file this tab works on is
// remembered per tab (sessionStorage), so a reload keeps it; the editor's draft autosave is unchanged.
import { api, h, url } from "./api.js";
import { confirmAction } from "./components/dialog.js";
import { chooseFile, startingPoint } from "./file_dialog.js";
import { withSession } from "./session_guard.js";
import { formatBytes } from "./storage_format.js";
import { baseName, parentOf } from "./storage_paths.js";

const NOTICE_MS = 8000;

/** A short, stable fingerprint of a text (FNV-1a), to tell after a reload whether the editor still matches its file. */
function fingerprint(text) {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `${text.length}:${hash.toString(16)}`;
}

const rootPrefix = (root) => (root && root !== "home" ? `${root}:` : "");

export class FileActions {
  /**
   * editor: getText()/setText(text); session: () => the ToolSession; onBusy(label|null) while an export
   * runs; els: {name, notice}; storeKey: this tab's key; onTitle(fileName|null) to retitle the page.
   */
  constructor({ getText, setText, session, onBusy, onTitle, els, storeKey }) {
    Object.assign(this, { getText, setText, session, onBusy, onTitle, els, storeKey });
    this.file = null;  // {root, path}
    this.savedText = null;
    this.noticeTimer = null;
    this.isWorking = false;
  }

  /** After the editor got its first text: take back this tab's file, if the text still matches it. */
  restore(text) {
    let record = null;
    try {
      record = JSON.parse(sessionStorage.getItem(this.storeKey) ?? "null");
    } catch {
      record = null;
    }
    if (record?.path) {
      this.file = { root: record.root || "home", path: record.path };
      this.savedText = record.fingerprint === fingerprint(text) ? text : null;
    }
    this.render();
  }

  get isDirty() {
    return this.file !== null && this.getText() !== this.savedText;
  }

  /** Call after every editor change. */
  textChanged() {
    this.render();
  }

  remember(text) {
    this.savedText = text;
    try {
      sessionStorage.setItem(this.storeKey, JSON.stringify({ ...this.file, fingerprint: fingerprint(text) }));
    } catch {
      // sessionStorage full or off: the file name is simply forgotten on reload
    }
    this.render();
  }

  render() {
    const { name } = this.els;
    const fileName = this.file ? baseName(this.file.path) : null;
    name.hidden = !this.file;
    name.textContent = fileName ? `${fileName}${this.isDirty ? " •" : ""}` : "";
    name.title = this.file ? `${rootPrefix(this.file.root)}${this.file.path}${this.isDirty ? " (changed since saved)" : ""}` : "";
    name.dataset.dirty = String(this.isDirty);
    this.onTitle(fileName);
  }

  notify(message, { isError = false, hint = null, link = null } = {}) {
    const { notice } = this.els;
    clearTimeout(this.noticeTimer);
    notice.className = isError ? "qt-file-notice error" : "qt-file-notice ok";
    notice.setAttribute("role", isError ? "alert" : "status");
    const close = h("button", { type: "button", class: "link notice-close", "aria-label": "Dismiss",
      onclick: () => { notice.hidden = true; } }, "×");
    const parts = [h("span", { class: "notice-text" }, message), hint ? h("span", { class: "notice-hint" }, hint) : null,
      link, close];
    notice.replaceChildren(...parts.filter(Boolean));
    notice.hidden = false;
    if (!isError) this.noticeTimer = setTimeout(() => { notice.hidden = true; }, NOTICE_MS);
  }

  fail(err, what) {
    const message = err.status === 401 ? `${what} failed: your login expired. Log in again, then retry.` : `${what} failed: ${err.message}`;
    this.notify(message, { isError: true, hint: err.status === 401 ? null : err.hint });
  }

  /** Run one file action at a time; errors become the notice (message and hint). */
  async guard(what, action) {
    if (this.isWorking) return;
    this.isWorking = true;
    try {
      await action();
    } catch (err) {
      this.fail(err, what);
    } finally {
      this.isWorking = false;
    }
  }

  open() {
    return this.guard("Open", async () => {
      const choice = await chooseFile({ mode: "open", title: "Open a file", okLabel: "Open",
        ...startingPoint(this.file), name: "" });
      if (!choice) return;
      const file = await api("GET", "api/v1/storage/text", undefined, choice);
      const text = this.getText();
      const isUnsaved = text.trim() !== "" && (this.file === null ? true : this.isDirty);
      if (isUnsaved && text !== file.text
          && !await confirmAction({ title: `Replace the editor's text with “${baseName(file.path)}”?`,
            message: "Your changes in the editor are not saved to a file.", confirmLabel: "Replace" })) return;
      this.setText(file.text);
      this.file = { root: file.root, path: file.path };
      this.remember(file.text);
      this.notify(`Opened ${rootPrefix(file.root)}${file.path} (${formatBytes(file.size)}).`);
    });
  }

  save() {
    if (!this.file) return this.saveAs();
    return this.guard("Save", () => this.write(this.file, { overwrite: true }));
  }

  saveAs() {
    return this.guard("Save", async () => {
      const start = this.file ? startingPoint(this.file) : { name: "query.sql" };
      const choice = await chooseFile({ mode: "save", title: "Save as", okLabel: "Save", ...start });
      if (choice) await this.write(choice, { overwrite: false });
    });
  }

  /** PUT the editor's text; on 409 exists ask, then replace. */
  async write(target, { overwrite }) {
    const text = this.getText();
    const body = { root: target.root, path: target.path, text };
    const saved = await this.withOverwrite(target, overwrite, (replace) =>
      withSession(() => api("PUT", "api/v1/storage/text", { ...body, overwrite: replace })));
    if (!saved) return;
    this.file = { root: saved.root, path: saved.path };
    this.remember(text);
    this.notify(`Saved ${rootPrefix(saved.root)}${saved.path} (${formatBytes(saved.size)}).`);
  }

  /** call(overwrite); when the name is taken, confirm and call again with overwrite. Null when declined. */
  async withOverwrite(target, overwrite, call) {
    try {
      return await call(overwrite);
    } catch (err) {
      if (err.code !== "exists" || overwrite) throw err;
      const where = parentOf(target.path);
      const isReplaced = await confirmAction({ title: "Replace the file?", confirmLabel: "Replace", isDanger: true,
        message: `“${baseName(target.path)}” already exists in ${rootPrefix(target.root)}${where}. Replace it?` });
      if (!isReplaced) return null;
      return call(true);
    }
  }

  /** Export into storage in a format; the name offered is the server's (the result's table, else the query). */
  exportTo(format) {
    return this.guard("Export", async () => {
      const suggested = await withSession(() => api("GET", `${this.session().base}/export-name`, undefined, { format }));
      const start = { ...startingPoint(this.file), name: suggested.name };
      const choice = await chooseFile({ mode: "save", title: `Export the result as ${format.toUpperCase()}`,
        okLabel: "Export", ...start });
      if (!choice) return;
      this.onBusy("Exporting");
      let done;
      try {
        done = await this.withOverwrite(choice, false, (replace) => withSession(() =>
          api("POST", `${this.session().base}/export-to-storage`, { ...choice, format, overwrite: replace })));
      } finally {
        this.onBusy(null);
      }
      if (!done) return;
      const folder = url("storage", { root: done.root, path: parentOf(done.path) });
      const letGo = done.rows_let_go ? " Only the rows still held were written: the rest had been let go, and a statement that changed data is never run again." : "";
      this.notify(`Exported ${done.rows ?? "all"} rows to ${rootPrefix(done.root)}${done.path} (${formatBytes(done.size)}).${letGo}`,
        { link: h("a", { href: folder, target: "_blank", id: "qt-export-folder" }, "Show in Files") });
    });
  }
}
