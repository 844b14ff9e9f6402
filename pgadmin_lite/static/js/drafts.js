// Editor autosave: to localStorage on every change (debounced ~300 ms) and to the server
// (PUT api/v1/drafts/<key>, debounced ~2 s). A save refused by an expired login stays pending
// and is retried once the login is back ("pgadmin-lite:logged-in"), so nothing typed is lost.
import { api } from "./api.js";
import { withSession } from "./session_guard.js";
import { debounce } from "./ui.js";

const LOCAL_MS = 300;
const SERVER_MS = 2000;

export class DraftStore {
  constructor({ key, userId, statusEl }) {
    this.key = key;
    this.localKey = `pgadmin-lite:draft:${userId ?? "?"}:${key}`;
    this.statusEl = statusEl;
    this.text = null;
    this.serverUpdatedAt = null;
    this.isSynced = true;
    this.isSaving = false;
    this.saveLocalSoon = debounce(() => this.saveLocal(), LOCAL_MS);
    this.saveServerSoon = debounce(() => this.saveServer(), SERVER_MS);
    window.addEventListener("pgadmin-lite:logged-in", () => {
      if (!this.isSynced) this.saveServer();
    });
  }

  /** The text to start the editor with: this browser's copy, if any. */
  localText() {
    const record = this.readLocal();
    if (record) {
      this.text = record.text;
      this.serverUpdatedAt = record.server_updated_at ?? null;
      this.isSynced = Boolean(record.synced);
    }
    return record?.text ?? "";
  }

  readLocal() {
    try {
      const record = JSON.parse(localStorage.getItem(this.localKey) ?? "null");
      return record && typeof record.text === "string" ? record : null;
    } catch {
      return null;
    }
  }

  saveLocal() {
    if (this.text === null) return;
    try {
      localStorage.setItem(this.localKey, JSON.stringify({
        text: this.text, saved_at: Date.now(), synced: this.isSynced, server_updated_at: this.serverUpdatedAt,
      }));
      if (!this.isSynced && !this.isSaving && this.statusEl?.dataset.state === "pending") {
        this.status("Saved in this browser", "local");
      }
    } catch {
      this.status("Could not save in this browser (storage full?)", "failed");
    }
  }

  /**
   * Reconcile with the server copy: a newer server draft (saved from another tab or browser) replaces
   * an already-synced local one; an unsynced local one is pushed. Returns the server text to load, or null.
   */
  async reconcile() {
    let draft;
    try {
      draft = await api("GET", `api/v1/drafts/${encodeURIComponent(this.key)}`);
    } catch {
      return null;
    }
    if (!this.isSynced && this.text !== null) {
      this.saveServer();
      return null;
    }
    if (draft.updated_at && draft.updated_at !== this.serverUpdatedAt && draft.text !== this.text) {
      this.text = draft.text;
      this.serverUpdatedAt = draft.updated_at;
      this.isSynced = true;
      this.saveLocal();
      return draft.text;
    }
    return null;
  }

  /** Call on every editor change. */
  change(text) {
    this.text = text;
    this.isSynced = false;
    this.status("Saving…", "pending");
    this.saveLocalSoon();
    this.saveServerSoon();
  }

  /** Write the local copy now (before the page goes away). */
  flush() {
    this.saveLocalSoon.flush();
  }

  async saveServer() {
    if (this.text === null || this.isSaving) return;
    this.saveServerSoon.cancel();
    const text = this.text;
    this.isSaving = true;
    try {
      const saved = await withSession(() => api("PUT", `api/v1/drafts/${encodeURIComponent(this.key)}`, { text }));
      this.serverUpdatedAt = saved.updated_at;
      if (this.text === text) {
        this.isSynced = true;
        this.status("Draft saved", "ok");
      }
      this.saveLocal();
    } catch (err) {
      const why = err.status === 401 ? "log in again to save it on the server" : err.message;
      this.status(`Draft kept in this browser only — ${why}`, "failed");
    } finally {
      this.isSaving = false;
    }
    if (!this.isSynced && this.text !== text) this.saveServerSoon();
  }

  status(text, kind) {
    if (!this.statusEl) return;
    this.statusEl.textContent = text;
    this.statusEl.dataset.state = kind;
  }
}
