// Small UI helpers shared by the console pages: error text, debounce, a password prompt.
import { askText } from "./components/dialog.js";

/** "message — hint" for an ApiError (or any Error), as the server worded it. */
export function errorText(err) {
  if (!err) return "";
  const message = err.message || String(err);
  return err.hint ? `${message}\n${err.hint}` : message;
}

/** Show err in a (hidden-by-default) error element, or hide it when err is null. */
export function showError(el, err) {
  el.textContent = errorText(err);
  el.hidden = !err;
}

/** fn delayed until `ms` after the last call; .flush() runs a pending call now, .cancel() drops it. */
export function debounce(fn, ms) {
  let timer = null;
  let pending = null;
  const run = () => {
    timer = null;
    const args = pending;
    pending = null;
    if (args) fn(...args);
  };
  const debounced = (...args) => {
    pending = args;
    clearTimeout(timer);
    timer = setTimeout(run, ms);
  };
  debounced.flush = () => {
    clearTimeout(timer);
    run();
  };
  debounced.cancel = () => {
    clearTimeout(timer);
    timer = null;
    pending = null;
  };
  return debounced;
}

/** Ask for a database password in a modal; resolves to the password, or null when cancelled. */
export function promptPassword(title, detail) {
  return askText({ title, detail, label: "Password", type: "password", name: "password",
    autocomplete: "current-password", confirmLabel: "Connect" });
}
