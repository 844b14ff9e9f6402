// The value viewer of a grid cell: the whole text, JSON pretty-printed and foldable, XML indented, bytea as hex.
import { h } from "./api.js";
import { valueText, viewerKind } from "./grid_values.js";

const BYTES_SHOWN = 64 * 1024;

/** A JSON number as written (a bigint or 1.50 stays as typed). */
class JsonNumber {
  constructor(source) {
    this.source = source;
  }
}

function parseJson(text) {
  return JSON.parse(text, (key, value, context) => (typeof value === "number"
    ? new JsonNumber(context?.source ?? String(value)) : value));
}

function jsonScalar(value) {
  if (value instanceof JsonNumber) return h("span", { class: "json-number" }, value.source);
  if (typeof value === "string") return h("span", { class: "json-string" }, JSON.stringify(value));
  return h("span", { class: "json-literal" }, String(value));
}

function isContainer(value) {
  return value !== null && typeof value === "object" && !(value instanceof JsonNumber);
}

/** A foldable tree: each object and array is a <details> (open), its members below. */
function jsonNode(value, label) {
  const key = label === null ? null : h("span", { class: "json-key" }, `${JSON.stringify(label)}: `);
  if (!isContainer(value)) return h("div", { class: "json-line" }, key, jsonScalar(value));
  const isArray = Array.isArray(value);
  const entries = isArray ? value.map((v, i) => [i, v]) : Object.entries(value);
  const [open, close] = isArray ? ["[", "]"] : ["{", "}"];
  const summary = h("summary", {}, key, open, h("span", { class: "json-count" }, ` ${entries.length} ${isArray ? "items" : "keys"} `));
  return h("details", { class: "json-node", open: true }, summary,
    h("div", { class: "json-members" }, entries.map(([k, v]) => jsonNode(v, isArray ? null : k))), h("div", {}, close));
}

function xmlIndented(text) {
  const doc = new DOMParser().parseFromString(`<root>${text}</root>`, "application/xml");
  if (doc.querySelector("parsererror")) return text;
  const lines = [];
  const walk = (node, depth) => {
    const pad = "  ".repeat(depth);
    if (node.nodeType === Node.TEXT_NODE) {
      if (node.textContent.trim()) lines.push(pad + node.textContent.trim());
      return;
    }
    if (node.nodeType !== Node.ELEMENT_NODE) {
      lines.push(pad + new XMLSerializer().serializeToString(node));
      return;
    }
    const attrs = [...node.attributes].map((a) => ` ${a.name}="${a.value.replaceAll('"', "&quot;")}"`).join("");
    if (!node.childNodes.length) lines.push(`${pad}<${node.nodeName}${attrs}/>`);
    else {
      lines.push(`${pad}<${node.nodeName}${attrs}>`);
      for (const child of node.childNodes) walk(child, depth + 1);
      lines.push(`${pad}</${node.nodeName}>`);
    }
  };
  for (const child of doc.documentElement.childNodes) walk(child, 0);
  return lines.join("\n");
}

/** bytea's hex form (\x…) as a dump: offset, 16 bytes, their printable characters. */
function hexDump(text) {
  if (!text.startsWith("\\x")) return text;
  const hex = text.slice(2, 2 + BYTES_SHOWN * 2);
  const lines = [];
  for (let at = 0; at < hex.length; at += 32) {
    const bytes = hex.slice(at, at + 32).match(/../g) ?? [];
    const chars = bytes.map((b) => { const c = parseInt(b, 16); return c >= 32 && c < 127 ? String.fromCharCode(c) : "."; });
    lines.push(`${(at / 2).toString(16).padStart(8, "0")}  ${bytes.join(" ").padEnd(47)}  ${chars.join("")}`);
  }
  if (text.length - 2 > hex.length) lines.push(`… (the first ${BYTES_SHOWN} bytes)`);
  return lines.join("\n");
}

function body(kind, text) {
  if (kind === "json") {
    try {
      return h("div", { class: "json-tree" }, jsonNode(parseJson(text), null));
    } catch {
      return h("pre", { class: "value-text" }, text);
    }
  }
  if (kind === "xml") return h("pre", { class: "value-text" }, xmlIndented(text));
  if (kind === "bytea") return h("pre", { class: "value-text" }, hexDump(text));
  return h("pre", { class: "value-text" }, text);
}

/** Show one value in a modal dialog (Escape or Close closes it; focus goes back to the grid). */
export function openValueViewer({ column, value, onClose }) {
  const text = valueText(value);
  const kind = text === null ? "text" : viewerKind(column.type);
  const size = text === null ? "NULL" : kind === "bytea" && text.startsWith("\\x") ? `${(text.length - 2) / 2} bytes`
    : `${text.length} characters`;
  const copy = h("button", { type: "button", onclick: () => navigator.clipboard.writeText(text ?? "") }, "Copy");
  const dialog = h("dialog", { class: "modal value-viewer", "data-kind": kind, "aria-label": `Value of ${column.name}` },
    h("div", { class: "value-head" }, h("h2", {}, column.name), h("span", { class: "col-type" }, column.type),
      h("span", { class: "hint value-size" }, size)),
    text === null ? h("p", { class: "null" }, "NULL") : body(kind, text),
    h("div", { class: "dialog-buttons" }, text === null ? null : copy,
      h("button", { type: "button", class: "primary value-close", onclick: () => dialog.close() }, "Close")));
  dialog.addEventListener("close", () => {
    dialog.remove();
    onClose?.();
  });
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}
