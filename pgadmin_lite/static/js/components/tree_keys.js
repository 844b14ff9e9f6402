// Keyboard and focus for a role=tree: one tab stop (roving tabindex), arrows move, → expands, ← collapses,
// Home/End, Enter opens, the menu key or Shift+F10 opens the node's menu.
const ITEM = "[role=treeitem]";

/** callbacks: expand(li), collapse(li), open(li), menu(li, event) */
export function installTreeKeys(tree, { expand, collapse, open, menu }) {
  const visible = () => [...tree.querySelectorAll(ITEM)].filter((li) => !li.parentElement.closest("[hidden]"));
  const current = () => tree.querySelector(`${ITEM}[tabindex="0"]`);

  const setCurrent = (li, { focus = true } = {}) => {
    if (!li) return;
    const before = current();
    if (before && before !== li) before.setAttribute("tabindex", "-1");
    li.setAttribute("tabindex", "0");
    if (focus) li.focus();
  };

  /** After the tree changed (a load, a refresh): keep exactly one tab stop. */
  const settle = () => {
    const stop = current();
    if (!stop || stop.parentElement.closest("[hidden]")) setCurrent(visible()[0], { focus: false });
  };

  tree.addEventListener("focusin", (event) => {
    const li = event.target.closest(ITEM);
    if (li && tree.contains(li)) setCurrent(li, { focus: false });
  });

  tree.addEventListener("keydown", (event) => {
    if (event.target.closest("input, textarea, select, .tree-tools")) return;
    const li = event.target.closest(ITEM);
    if (!li) return;
    const items = visible();
    const index = items.indexOf(li);
    const isExpanded = li.getAttribute("aria-expanded") === "true";
    const key = event.key;
    if (key === "ArrowDown") setCurrent(items[index + 1]);
    else if (key === "ArrowUp") setCurrent(items[index - 1]);
    else if (key === "Home") setCurrent(items[0]);
    else if (key === "End") setCurrent(items.at(-1));
    else if (key === "ArrowRight") {
      if (li.getAttribute("aria-expanded") === "false") expand(li);
      else if (isExpanded && items[index + 1] && li.contains(items[index + 1])) setCurrent(items[index + 1]);
    } else if (key === "ArrowLeft") {
      if (isExpanded) collapse(li);
      else setCurrent(li.parentElement.closest(ITEM));
    } else if (key === "Enter") open(li);
    else if (key === "ContextMenu" || (key === "F10" && event.shiftKey)) menu(li, null);
    else return;
    event.preventDefault();
    event.stopPropagation();
  });

  tree.addEventListener("contextmenu", (event) => {
    const li = event.target.closest(ITEM);
    if (!li || event.target.closest("input, textarea")) return;
    event.preventDefault();
    setCurrent(li);
    menu(li, event.button === 2 || event.clientX || event.clientY ? event : null);
  });

  return { settle, setCurrent, current };
}
