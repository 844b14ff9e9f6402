// A context menu (role=menu) with submenus: arrows move, Enter/Space/→ open, ←/Escape close, focus goes back.
import { h } from "../api.js";

let open = [];        // the menus on screen, outermost first
let returnTo = null;  // the element focused before the menu opened

/**
 * Show a menu at (x, y). items: {label, action, danger, disabled, items (a submenu)}, "-" for a separator,
 * null/false entries are left out.
 */
export function openMenu({ items, x, y, label = "Actions" }) {
  closeMenus({ refocus: false });
  returnTo = document.activeElement;
  const menu = buildMenu(items, label, 0);
  place(menu, x, y);
  focusItem(menu, 0);
  return menu;
}

/** The point a keyboard-opened menu appears at: the element's bottom-left corner. */
export function menuPointFor(el) {
  const rect = el.getBoundingClientRect();
  return { x: rect.left + 16, y: rect.top + Math.min(rect.height, 24) };
}

export function closeMenus({ refocus = true } = {}) {
  for (const menu of open) menu.remove();
  open = [];
  if (refocus && returnTo?.isConnected) returnTo.focus();
  if (refocus) returnTo = null;
}

function buildMenu(items, label, depth) {
  const menu = h("div", { class: "ctx-menu", role: "menu", "aria-label": label, "data-depth": depth });
  for (const item of items.filter(Boolean)) {
    if (item === "-") {
      menu.append(h("div", { class: "ctx-sep", role: "separator" }));
      continue;
    }
    const button = h("button", {
      type: "button", role: "menuitem", tabindex: "-1", class: `ctx-item${item.danger ? " danger" : ""}`,
      disabled: Boolean(item.disabled), "aria-haspopup": item.items ? "menu" : null,
      "aria-expanded": item.items ? "false" : null,
    }, h("span", { class: "ctx-label" }, item.label), item.items ? h("span", { class: "ctx-more", "aria-hidden": "true" }, "▸") : null);
    button.entry = item;
    button.addEventListener("click", () => choose(button));
    button.addEventListener("mouseenter", () => {
      closeDeeper(depth);
      button.focus();
      if (item.items) openSubmenu(button, depth, { focus: false });
    });
    menu.append(button);
  }
  menu.addEventListener("keydown", (event) => onKey(event, menu, depth));
  document.body.append(menu);
  open.push(menu);
  return menu;
}

function place(menu, x, y) {
  const width = menu.offsetWidth;
  const height = menu.offsetHeight;
  menu.style.left = `${Math.max(4, Math.min(x, window.innerWidth - width - 4))}px`;
  menu.style.top = `${Math.max(4, Math.min(y, window.innerHeight - height - 4))}px`;
}

function itemsOf(menu) {
  return [...menu.querySelectorAll(":scope > .ctx-item:not(:disabled)")];
}

function focusItem(menu, index) {
  const items = itemsOf(menu);
  if (!items.length) return;
  items[(index + items.length) % items.length].focus();
}

function closeDeeper(depth) {
  while (open.length > depth + 1) {
    const menu = open.pop();
    menu.remove();
  }
  for (const button of open[depth]?.querySelectorAll("[aria-expanded=true]") ?? []) button.setAttribute("aria-expanded", "false");
}

function openSubmenu(button, depth, { focus = true } = {}) {
  closeDeeper(depth);
  button.setAttribute("aria-expanded", "true");
  const sub = buildMenu(button.entry.items, button.entry.label, depth + 1);
  const rect = button.getBoundingClientRect();
  const x = rect.right + sub.offsetWidth > window.innerWidth ? rect.left - sub.offsetWidth : rect.right;
  place(sub, x, rect.top);
  if (focus) focusItem(sub, 0);
}

function choose(button) {
  const { entry } = button;
  if (entry.items) {
    openSubmenu(button, Number(button.parentElement.dataset.depth));
    return;
  }
  closeMenus();
  entry.action?.();
}

function onKey(event, menu, depth) {
  const items = itemsOf(menu);
  const index = items.indexOf(document.activeElement);
  const key = event.key;
  if (key === "ArrowDown") focusItem(menu, index + 1);
  else if (key === "ArrowUp") focusItem(menu, index < 0 ? -1 : index - 1);
  else if (key === "Home") focusItem(menu, 0);
  else if (key === "End") focusItem(menu, -1);
  else if ((key === "ArrowRight" && items[index]?.entry.items) || key === "Enter" || key === " ") {
    if (items[index]) choose(items[index]);
  } else if ((key === "ArrowLeft" || key === "Escape") && depth > 0) {
    closeDeeper(depth - 1);
    const opener = [...(open[depth - 1]?.querySelectorAll("[aria-haspopup]") ?? [])].find((b) => b.entry.label === menu.getAttribute("aria-label"));
    opener?.focus();
  } else if (key === "Escape" || key === "Tab") closeMenus();
  else return;
  event.preventDefault();
  event.stopPropagation();
}

document.addEventListener("pointerdown", (event) => {
  if (open.length && !event.target.closest?.(".ctx-menu")) closeMenus({ refocus: false });
}, true);
window.addEventListener("blur", () => closeMenus({ refocus: false }));
window.addEventListener("resize", () => closeMenus({ refocus: false }));
