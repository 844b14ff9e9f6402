// The workspace layout (tabs, their order, the active one, the panel width): on the server (PUT api/v1/workspace)
// and mirrored in localStorage, so a reload, a restart or a login that expired meanwhile finds it back.
import { api } from "../api.js";
import { debounce } from "../ui.js";

const SAVE_DELAY_MS = 300;

export class LayoutStore {
  constructor(userId) {
    this.localKey = `pgadmin-lite:workspace:${userId ?? "?"}`;
    this.pending = null;
    this.saveLater = debounce(() => this.push(), SAVE_DELAY_MS);
    window.addEventListener("pagehide", () => this.saveLater.flush());
    window.addEventListener("pgadmin-lite:logged-in", () => this.resume());
  }

  local() {
    try {
      return JSON.parse(localStorage.getItem(this.localKey) ?? "null");
    } catch {
      return null;
    }
  }

  /** The layout to restore: a local copy the server never got wins (it is newer), else the server's. */
  async load() {
    const local = this.local();
    if (local?.pending) {
      this.save(local.layout);
      return local.layout;
    }
    try {
      const saved = await api("GET", "api/v1/workspace");
      return { tabs: saved.tabs, active: saved.active, panel_width: saved.panel_width };
    } catch {
      return local?.layout ?? null;
    }
  }

  /** Remember the layout now (locally) and on the server shortly. */
  save(layout) {
    this.pending = layout;
    localStorage.setItem(this.localKey, JSON.stringify({ layout, pending: true }));
    this.mark("pending");
    this.saveLater();
  }

  async push() {
    const layout = this.pending;
    if (!layout) return;
    try {
      await api("PUT", "api/v1/workspace", layout);
      if (this.pending !== layout) return;  // changed meanwhile: that save follows
      this.pending = null;
      localStorage.setItem(this.localKey, JSON.stringify({ layout, pending: false }));
      this.mark("saved");
    } catch (err) {
      this.mark(err.status === 401 ? "waiting-for-login" : "failed");
    }
  }

  resume() {
    if (this.pending) this.push();
  }

  mark(state) {
    document.documentElement.dataset.layout = state;
  }
}
