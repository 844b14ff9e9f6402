// Virtual storage paths ("/reports/q1.sql") and their breadcrumbs, shared by the file manager and the
// query tool's file dialog. The server's sandbox decides what a path may be; these only build them.
import { h } from "./api.js";

/** A folder path and a name → the path of that name in the folder. */
export const joinPath = (dir, name) => `${dir.replace(/\/+$/, "")}/${name}`;

/** The folder holding path (the root folder for a top-level name). */
export const parentOf = (path) => path.replace(/\/[^/]*\/?$/, "") || "/";

/** The last name of path. */
export const baseName = (path) => path.replace(/\/+$/, "").split("/").pop() ?? "";

/** Breadcrumb buttons for path (the root shown as label) into container; onNavigate(path) on a click. */
export function renderBreadcrumbs(container, { label, path, onNavigate }) {
  const names = path.split("/").filter(Boolean);
  const crumbs = [{ name: label, path: "/" }, ...names.map((name, i) => ({ name, path: `/${names.slice(0, i + 1).join("/")}` }))];
  container.replaceChildren(...crumbs.flatMap((crumb, i) => {
    const last = i === crumbs.length - 1;
    const item = last
      ? h("span", { "aria-current": "page" }, crumb.name)
      : h("button", { type: "button", class: "link", onclick: () => onNavigate(crumb.path) }, crumb.name);
    return i ? [h("span", { class: "crumb-sep" }, "/"), item] : [item];
  }));
}
