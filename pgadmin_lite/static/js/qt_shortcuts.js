// The query tool's keyboard shortcuts. One table (preferences/shortcuts.py, with the user's Preferences, in the
// page's data-shortcuts) builds the editor's keymap, the page's keys outside the editor, the buttons' titles
// and the help overlay.
import { h, url } from "./api.js";

const IS_MAC = /Mac|iPhone|iPad/.test(navigator.platform);
// The keys CodeMirror itself binds to these actions: moved elsewhere, they must stop doing them.
const BUILT_IN = new Set(["find", "toggle_comment"]);
const CODES = { "/": "Slash", ".": "Period", ",": "Comma", ";": "Semicolon", "'": "Quote", "[": "BracketLeft",
  "]": "BracketRight", "\\": "Backslash", "-": "Minus", "=": "Equal", "`": "Backquote" };

/** The table: [{name, label, keys, defaults}] in the order the help lists them. */
export function readShortcuts(el) {
  return JSON.parse(el.dataset.shortcuts || "[]");
}

/** CodeMirror bindings running handlers[name](); a built-in action's default key that was moved does nothing. */
export function editorKeys(table, handlers) {
  const bindings = [];
  for (const action of table) {
    const run = handlers[action.name];
    if (!run) continue;
    for (const key of action.keys) bindings.push({ key, run: () => { run(); return true; }, preventDefault: true });
  }
  const bound = new Set(table.flatMap((action) => action.keys));
  for (const action of table.filter((a) => BUILT_IN.has(a.name))) {
    for (const key of action.defaults) if (!bound.has(key)) bindings.push({ key, run: () => true });
  }
  return bindings;
}

function splitKey(key) {
  const parts = key.split(/-(?=.)/);
  return { mods: parts.slice(0, -1), base: parts[parts.length - 1] };
}

/** Does a keydown event press key (CodeMirror notation)? */
export function isPressed(key, event) {
  const { mods, base } = splitKey(key);
  const want = { ctrl: false, meta: false, alt: false, shift: false };
  for (const mod of mods) want[mod === "Mod" ? (IS_MAC ? "meta" : "ctrl") : mod.toLowerCase()] = true;
  if (event.ctrlKey !== want.ctrl || event.metaKey !== want.meta || event.altKey !== want.alt
    || event.shiftKey !== want.shift) return false;
  const name = event.key === " " ? "Space" : event.key;
  if (name.toLowerCase() === base.toLowerCase()) return true;
  if (base.length !== 1) return false;  // Shift or Alt changed the character (Shift-/ is "?"): the physical key
  const code = /[a-z]/i.test(base) ? `Key${base.toUpperCase()}` : /\d/.test(base) ? `Digit${base}` : CODES[base];
  return event.code === code;
}

/** The action a keydown outside the editor asks for, or null. */
export function actionFor(table, event) {
  return table.find((action) => action.keys.some((key) => isPressed(key, event)))?.name ?? null;
}

/** A key as the user reads it: Ctrl+Shift+Enter (⌘ on a Mac). */
export function keyLabel(key) {
  const { mods, base } = splitKey(key);
  const names = { Mod: IS_MAC ? "⌘" : "Ctrl", Meta: IS_MAC ? "⌘" : "Meta", Alt: IS_MAC ? "⌥" : "Alt" };
  return [...mods.map((mod) => names[mod] ?? mod), base.length === 1 ? base.toUpperCase() : base].join("+");
}

/** Each button's tooltip: its action's label and current keys (the buttons name their action in data-action). */
export function titleButtons(table, root = document) {
  for (const action of table) {
    for (const button of root.querySelectorAll(`[data-action="${action.name}"]`)) {
      const keys = action.keys.map(keyLabel).join(", ");
      button.title = keys ? `${action.label} (${keys})` : action.label;
    }
  }
}

/** The help overlay: every action and its keys, from the table the keymap is built from. */
export function showShortcutHelp(table) {
  document.querySelector("#shortcuts-help")?.close();
  const rows = table.map((action) => h("tr", { "data-action": action.name },
    h("td", {}, action.label),
    h("td", {}, ...(action.keys.length ? action.keys.flatMap((key, i) => [i ? ", " : "", h("kbd", {}, keyLabel(key))])
      : ["—"]))));
  const dialog = h("dialog", { class: "modal shortcuts-dialog", id: "shortcuts-help", "aria-label": "Keyboard shortcuts" },
    h("form", { method: "dialog" },
      h("h2", {}, "Keyboard shortcuts"),
      h("table", { class: "shortcuts-table" }, h("tbody", {}, ...rows)),
      h("p", { class: "hint" }, "Change them in ", h("a", { href: url("preferences"), target: "_top" }, "Preferences"),
        ". The editor's own keys (undo, completion, moving lines) are CodeMirror's."),
      h("div", { class: "dialog-buttons" }, h("button", { type: "submit", class: "primary", value: "ok" }, "Close"))));
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}
