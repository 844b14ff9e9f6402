// A small modal file picker over the storage API: folder set (when there are shares), breadcrumbs,
// the folder's entries and a name field. Resolves to {root, path} or null; the caller does the I/O.
import { api, h } from "./api.js";
import { formatBytes } from "./storage_format.js";
import { baseName, joinPath, parentOf, renderBreadcrumbs } from "./storage_paths.js";
import { errorText } from "./ui.js";

let rootsCache = null;

async function storageRoots() {
  rootsCache ??= api("GET", "api/v1/storage/roots").catch((err) => {
    rootsCache = null;
    throw err;
  });
  return rootsCache;
}

class FileDialog {
  /** mode: "open" (an existing file) or "save" (a new or existing name in a writable folder). */
  constructor({ mode, title, okLabel, root, path, name }) {
    this.mode = mode;
    this.root = root || "home";
    this.dir = path || "/";
    this.roots = [];
    this.entries = [];
    this.els = {
      root: h("select", { id: "file-dialog-root", "aria-label": "Folder set" }),
      crumbs: h("nav", { class: "breadcrumbs", id: "file-dialog-crumbs", "aria-label": "Folder path" }),
      list: h("ul", { class: "file-dialog-list", id: "file-dialog-list", "aria-label": "Files" }),
      name: h("input", { type: "text", id: "file-dialog-name", name: "name", autocomplete: "off", spellcheck: "false",
        value: name ?? "", required: true }),
      error: h("p", { class: "error", id: "file-dialog-error", role: "alert", hidden: true }),
      ok: h("button", { type: "submit", class: "primary", id: "file-dialog-ok", value: "ok" }, okLabel),
    };
    this.els.rootLabel = h("label", { class: "file-dialog-root", hidden: true }, "Folder set ", this.els.root);
    this.dialog = this.build(title);
  }

  build(title) {
    const { els } = this;
    els.root.addEventListener("change", () => {
      this.root = els.root.value;
      this.navigate("/");
    });
    const newFolder = this.mode === "save"
      ? h("button", { type: "button", id: "file-dialog-new-folder", onclick: () => this.showFolderRow(true) }, "New folder")
      : null;
    els.newFolder = newFolder;
    els.folderRow = newFolder ? this.buildFolderRow() : null;
    const form = h("form", { method: "dialog", onsubmit: (event) => this.submit(event) },
      h("h2", {}, title),
      h("div", { class: "file-dialog-bar" }, els.rootLabel, els.crumbs, h("span", { class: "spacer" }), newFolder),
      els.folderRow,
      els.list,
      h("label", { class: "file-dialog-name" }, "File name", els.name),
      els.error,
      h("div", { class: "dialog-buttons" },
        h("button", { type: "button", id: "file-dialog-cancel", onclick: () => this.dialog.close("cancel") }, "Cancel"),
        els.ok));
    return h("dialog", { class: "modal file-dialog", id: "file-dialog", "data-mode": this.mode }, form);
  }

  /** The inline "new folder" row: a name and Create (Enter creates it; Escape hides the row, not the dialog). */
  buildFolderRow() {
    const name = h("input", { type: "text", id: "file-dialog-folder-name", autocomplete: "off", spellcheck: "false",
      "aria-label": "Name of the new folder", placeholder: "Name of the new folder" });
    name.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        this.makeFolder();
      } else if (event.key === "Escape") {
        event.preventDefault();
        this.showFolderRow(false);
      }
    });
    this.els.folderName = name;
    return h("div", { class: "file-dialog-folder-row", hidden: true }, name,
      h("button", { type: "button", id: "file-dialog-folder-create", onclick: () => this.makeFolder() }, "Create"),
      h("button", { type: "button", onclick: () => this.showFolderRow(false) }, "Cancel"));
  }

  showFolderRow(isShown) {
    this.els.folderRow.hidden = !isShown;
    this.els.folderName.value = "";
    (isShown ? this.els.folderName : this.els.name).focus();
  }

  get currentRoot() {
    return this.roots.find((root) => root.name === this.root);
  }

  /** Show the dialog; resolves to {root, path} or null when cancelled. */
  async run() {
    const done = new Promise((resolve) => {
      this.dialog.addEventListener("close", () => {
        this.dialog.remove();
        resolve(this.dialog.returnValue === "ok" ? this.choice : null);
      });
    });
    document.body.append(this.dialog);
    this.dialog.showModal();
    this.els.name.focus();
    this.els.name.select();
    try {
      this.roots = await storageRoots();
      if (!this.currentRoot) this.root = "home";
      this.renderRoots();
      await this.load();
    } catch (err) {
      this.showError(err);
    }
    return done;
  }

  renderRoots() {
    const { els } = this;
    els.root.replaceChildren(...this.roots.map((root) => h("option", { value: root.name, selected: root.name === this.root },
      root.label + (root.is_writable ? "" : " (read-only)"))));
    els.rootLabel.hidden = this.roots.length < 2;
  }

  async load() {
    let listing;
    try {
      listing = await api("GET", "api/v1/storage", undefined, { root: this.root, path: this.dir });
    } catch (err) {
      if (err.status !== 404 || this.dir === "/") throw err;
      this.dir = "/";  // a remembered folder that is gone: start at the top
      listing = await api("GET", "api/v1/storage", undefined, { root: this.root, path: this.dir });
    }
    this.dir = listing.path;
    this.entries = listing.entries.filter((entry) => !entry.is_link);
    this.render();
  }

  render() {
    const { els } = this;
    renderBreadcrumbs(els.crumbs, { label: this.currentRoot?.label ?? this.root, path: this.dir,
      onNavigate: (path) => this.navigate(path) });
    els.list.replaceChildren(...this.entries.map((entry) => this.row(entry)));
    if (!this.entries.length) els.list.append(h("li", { class: "hint file-dialog-empty" }, "This folder is empty."));
    const isReadOnly = this.mode === "save" && this.currentRoot && !this.currentRoot.is_writable;
    els.ok.disabled = Boolean(isReadOnly);
    if (els.newFolder) els.newFolder.disabled = Boolean(isReadOnly);
    if (isReadOnly) this.showError(new Error(`“${this.currentRoot.label}” is read-only for you; choose another folder set.`));
  }

  row(entry) {
    if (entry.is_dir) {
      return h("li", { "data-name": entry.name, class: "is-dir" },
        h("button", { type: "button", class: "file-entry", onclick: () => this.navigate(joinPath(this.dir, entry.name)) },
          h("span", { class: "file-entry-name" }, `${entry.name}/`)));
    }
    const pick = () => {
      this.els.name.value = entry.name;
      for (const item of this.els.list.querySelectorAll(".selected")) item.classList.remove("selected");
      button.classList.add("selected");
    };
    const button = h("button", { type: "button", class: "file-entry", onclick: pick,
      ondblclick: () => { pick(); this.els.ok.click(); } },
    h("span", { class: "file-entry-name" }, entry.name),
    h("span", { class: "file-entry-size" }, formatBytes(entry.size)));
    return h("li", { "data-name": entry.name }, button);
  }

  async navigate(path) {
    this.dir = path;
    this.showError(null);
    try {
      await this.load();
    } catch (err) {
      this.showError(err);
    }
  }

  /** Create the folder named in the folder row inside the current folder, and go into it. */
  async makeFolder() {
    const name = this.els.folderName.value.trim();
    if (!name) return;
    try {
      const made = await api("POST", "api/v1/storage/mkdir", { root: this.root, path: joinPath(this.dir, name) });
      this.showFolderRow(false);
      await this.navigate(made.path);
    } catch (err) {
      this.showError(err);
    }
  }

  submit(event) {
    const name = this.els.name.value.trim();
    const folder = this.entries.find((entry) => entry.is_dir && entry.name === name);
    if (!name || folder) {
      event.preventDefault();
      if (folder) this.navigate(joinPath(this.dir, folder.name));
      return;
    }
    if (this.mode === "open" && !name.includes("/") && !this.entries.some((entry) => entry.name === name)) {
      event.preventDefault();
      this.showError(new Error(`There is no file “${name}” in this folder.`));
      return;
    }
    const path = name.startsWith("/") ? name : joinPath(this.dir, name);
    this.choice = { root: this.root, path };
  }

  showError(err) {
    this.els.error.textContent = errorText(err);
    this.els.error.hidden = !err;
  }
}

/**
 * Ask for a storage file. Options: mode ("open" | "save"), title, okLabel, and where to start:
 * root, path (a folder) and name (pre-filled). Resolves to {root, path} or null.
 */
export function chooseFile(options) {
  return new FileDialog(options).run();
}

/** Where a dialog should start for an existing file {root, path}: its folder and name. */
export function startingPoint(file) {
  return file ? { root: file.root, path: parentOf(file.path), name: baseName(file.path) } : {};
}
