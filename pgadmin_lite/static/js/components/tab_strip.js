// The workspace's tab strip: a tablist of tools, each an iframe; activate, close (×, middle click, Delete),
// reorder (drag, or Shift+←/→), a menu per tab (right click, menu key, Shift+F10).
import { h } from "../api.js";
import { TAB_KINDS, tabUrl } from "./tab_kinds.js";

export class TabStrip {
  /** onChange() after any change of the tabs or their order; onMenu(tab, event|null); onFrame(tab, frame). */
  constructor(strip, panels, { onChange, onMenu, onFrame, emptyNote }) {
    this.strip = strip;
    this.panels = panels;
    this.onChange = onChange;
    this.onMenu = onMenu;
    this.onFrame = onFrame;
    this.emptyNote = emptyNote;
    this.tabs = [];
    this.activeId = null;
    this.dragged = null;
    strip.addEventListener("keydown", (event) => this.onKey(event));
  }

  get active() {
    return this.tabs.find((tab) => tab.id === this.activeId) ?? null;
  }

  find(id) {
    return this.tabs.find((tab) => tab.id === id) ?? null;
  }

  /** Add a tab ({id, kind, title, params}) at the end (or at index) and load its page. */
  add(spec, { activate = true, index = this.tabs.length, notify = true } = {}) {
    const tab = { ...spec };
    tab.button = this.button(tab);
    tab.frame = h("iframe", { class: "ws-frame", title: tab.title, id: `frame-${tab.id}`, "data-tab-id": tab.id, hidden: true });
    tab.frame.addEventListener("load", () => this.onFrame?.(tab, tab.frame));
    tab.frame.src = tabUrl(tab);
    this.tabs.splice(index, 0, tab);
    this.panels.append(tab.frame);
    this.render();
    if (activate || !this.activeId) this.activate(tab.id, { notify: false });
    if (notify) this.onChange();
    return tab;
  }

  button(tab) {
    const close = h("button", {
      type: "button", class: "ws-tab-close", tabindex: "-1", title: "Close tab", "aria-label": `Close ${tab.title}`,
      onclick: (event) => { event.stopPropagation(); this.close(tab.id); },
    }, "×");
    const el = h("div", {
      role: "tab", class: "ws-tab", tabindex: "-1", draggable: "true", "data-tab-id": tab.id, "data-kind": tab.kind,
      "aria-selected": "false", "aria-controls": `frame-${tab.id}`, title: tab.title,
    }, h("span", { class: "ws-tab-icon", "aria-hidden": "true" }, TAB_KINDS[tab.kind].icon),
    h("span", { class: "ws-tab-title" }, tab.title), close);
    el.addEventListener("click", () => this.activate(tab.id));
    el.addEventListener("mousedown", (event) => { if (event.button === 1) event.preventDefault(); });
    el.addEventListener("auxclick", (event) => {
      if (event.button === 1) this.close(tab.id);
    });
    el.addEventListener("contextmenu", (event) => {
      event.preventDefault();
      this.activate(tab.id);
      this.onMenu(tab, event.button === 2 || event.clientX || event.clientY ? event : null);
    });
    el.addEventListener("dragstart", (event) => {
      this.dragged = tab;
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", tab.id);
    });
    el.addEventListener("dragover", (event) => {
      if (!this.dragged) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
    });
    el.addEventListener("drop", (event) => {
      event.preventDefault();
      const moving = this.dragged;
      this.dragged = null;
      if (!moving || moving === tab) return;
      const rect = el.getBoundingClientRect();
      const after = event.clientX > rect.left + rect.width / 2;
      const without = this.tabs.filter((t) => t !== moving);
      this.move(moving.id, without.indexOf(tab) + (after ? 1 : 0));
    });
    el.addEventListener("dragend", () => { this.dragged = null; });
    return el;
  }

  render() {
    this.strip.replaceChildren(...this.tabs.map((tab) => tab.button));
    this.emptyNote.hidden = this.tabs.length > 0;
  }

  activate(id, { notify = true, focus = false } = {}) {
    const tab = this.find(id);
    if (!tab) return;
    this.activeId = id;
    for (const t of this.tabs) {
      const isActive = t === tab;
      t.button.setAttribute("aria-selected", String(isActive));
      t.button.setAttribute("tabindex", isActive ? "0" : "-1");
      t.button.classList.toggle("active", isActive);
      t.frame.hidden = !isActive;
    }
    if (focus) tab.button.focus();
    tab.button.scrollIntoView({ block: "nearest", inline: "nearest" });
    if (notify) this.onChange();
  }

  close(id) {
    const index = this.tabs.findIndex((tab) => tab.id === id);
    if (index < 0) return;
    const [tab] = this.tabs.splice(index, 1);
    tab.frame.remove();
    this.render();
    if (this.activeId === id) {
      this.activeId = null;
      const next = this.tabs[index] ?? this.tabs[index - 1];
      if (next) this.activate(next.id, { notify: false });
    }
    this.onChange();
  }

  closeMany(ids) {
    for (const id of ids) this.close(id);
  }

  move(id, toIndex) {
    const from = this.tabs.findIndex((tab) => tab.id === id);
    if (from < 0) return;
    const [tab] = this.tabs.splice(from, 1);
    this.tabs.splice(Math.max(0, Math.min(toIndex, this.tabs.length)), 0, tab);
    this.render();
    this.onChange();
  }

  /** Point an open tab at new parameters (an object view asked for another sub-tab), or just reload it. */
  reload(id, params) {
    const tab = this.find(id);
    if (!tab) return;
    if (params) tab.params = params;
    tab.frame.src = tabUrl(tab);
    if (params) this.onChange();
  }

  rename(id, title) {
    const tab = this.find(id);
    if (!tab || tab.title === title) return;
    tab.title = title;
    tab.button.querySelector(".ws-tab-title").textContent = title;
    tab.button.title = title;
    tab.frame.title = title;
    this.onChange();
  }

  onKey(event) {
    const el = event.target.closest("[role=tab]");
    if (!el) return;
    const index = this.tabs.findIndex((tab) => tab.button === el);
    const tab = this.tabs[index];
    const key = event.key;
    if (event.shiftKey && (key === "ArrowLeft" || key === "ArrowRight")) {
      this.move(tab.id, index + (key === "ArrowLeft" ? -1 : 1));
      tab.button.focus();
    } else if (key === "ArrowLeft" || key === "ArrowRight") {
      const next = this.tabs[(index + (key === "ArrowLeft" ? -1 : 1) + this.tabs.length) % this.tabs.length];
      this.activate(next.id, { focus: true });
    } else if (key === "Home" || key === "End") this.activate((key === "Home" ? this.tabs[0] : this.tabs.at(-1)).id, { focus: true });
    else if (key === "Delete") {
      this.close(tab.id);
      this.active?.button.focus();
    }
    else if (key === "ContextMenu" || (key === "F10" && event.shiftKey)) this.onMenu(tab, null);
    else return;
    event.preventDefault();
  }

  /** The tabs as the layout stores them. */
  toJSON() {
    return this.tabs.map(({ id, kind, title, params }) => ({ id, kind, title, params }));
  }
}
