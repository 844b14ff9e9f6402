// A server's own colours (its registration's colors: {bg, fg}) on the element that names it.

/** Paint el with the server's colours, if it has any; returns el. */
export function paintServer(el, server) {
  const { bg, fg } = server?.colors ?? {};
  if (!bg && !fg) return el;
  el.classList.add("has-colors");
  if (bg) el.style.setProperty("--server-bg", bg);
  if (fg) el.style.setProperty("--server-fg", fg);
  return el;
}
