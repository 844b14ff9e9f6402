// Modal <dialog>s instead of window.prompt / confirm / alert: styled, keyboard-friendly, passwords masked.
import { h } from "../api.js";

/**
 * Show a modal form; resolves to the button's value ("ok") or "" when cancelled (Esc, Cancel).
 * fields: elements placed between the message and the buttons (the first input gets the focus).
 */
function showModal({ title, message, detail, fields = [], confirmLabel, isDanger, kind }) {
  return new Promise((resolve) => {
    const confirmClass = isDanger ? "danger primary dialog-confirm" : "primary dialog-confirm";
    const confirmButton = h("button", { type: "submit", class: confirmClass, value: "ok" }, confirmLabel);
    const dialog = h("dialog", { class: `modal ${kind}-dialog`, "data-dialog": kind, "aria-label": title },
      h("form", { method: "dialog" },
        h("h2", {}, title),
        message ? h("p", { class: "dialog-message" }, message) : null,
        detail ? h("p", { class: "hint" }, detail) : null,
        ...fields,
        h("div", { class: "dialog-buttons" },
          h("button", { type: "button", class: "dialog-cancel", onclick: () => dialog.close("") }, "Cancel"),
          confirmButton)));
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(dialog.returnValue);
    });
    document.body.append(dialog);
    dialog.showModal();
    (dialog.querySelector("input, select, textarea") ?? confirmButton).focus();
  });
}

/** Ask before an action; resolves true when confirmed. isDanger: the confirm button is red (Drop, Delete…). */
export async function confirmAction({ title, message, detail, confirmLabel = "OK", isDanger = false }) {
  return (await showModal({ title, message, detail, confirmLabel, isDanger, kind: "confirm" })) === "ok";
}

/**
 * Ask for one line of text (type "password" masks it); resolves to the text, or null when cancelled.
 * An empty answer cannot be submitted (required).
 */
export async function askText({ title, label, value = "", message, detail, confirmLabel = "OK", type = "text",
  name = "value", autocomplete = "off" }) {
  const input = h("input", { type, name, autocomplete, required: true, value, spellcheck: "false" });
  const answer = await showModal({ title, message, detail, confirmLabel, kind: type === "password" ? "password" : "ask",
    fields: [h("label", {}, label, input)] });
  if (answer !== "ok") return null;
  return input.value;
}
