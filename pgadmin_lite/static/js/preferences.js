// The preferences page: read the form, PUT api/v1/preferences, apply the look at once.
import { api } from "./api.js";
import { applyLook } from "./components/theme.js";
import { showError } from "./ui.js";

const form = document.querySelector("#preferences-form");
const status = document.querySelector("#preferences-status");
const errorBox = document.querySelector("#preferences-error");
const MODE_VALUES = { "": null, on: true, off: false };

/** Each action's keys; null where they are the defaults (so a later change of a default reaches the user). */
function readShortcuts() {
  const keys = {};
  for (const input of form.querySelectorAll("input[data-shortcut]")) {
    const list = input.value.split(",").map((key) => key.trim()).filter(Boolean);
    keys[input.dataset.shortcut] = list.join(", ") === input.dataset.defaults ? null : list;
  }
  return keys;
}

function readForm() {
  const data = new FormData(form);
  const rows = String(data.get("result_preview_rows") ?? "").trim();
  const modes = {};
  for (const select of form.querySelectorAll("select[data-mode]")) modes[select.name] = MODE_VALUES[select.value];
  return {
    theme: data.get("theme"),
    editor_font_size: Number(data.get("editor_font_size")),
    default_modes: modes,
    result_preview_rows: rows === "" ? null : Number(rows),
    shortcuts: readShortcuts(),
  };
}

/** The keys as the server stored them (normalized: shift-ctrl-R is Ctrl-Shift-r). */
function showShortcuts(saved) {
  for (const input of form.querySelectorAll("input[data-shortcut]")) {
    const keys = saved[input.dataset.shortcut];
    input.value = keys ? keys.join(", ") : input.dataset.defaults;
  }
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  status.textContent = "Saving…";
  showError(errorBox, null);
  try {
    const saved = await api("PUT", "api/v1/preferences", readForm());
    applyLook(saved);
    showShortcuts(saved.shortcuts);
    const toggle = document.querySelector("#theme-toggle");
    if (toggle) toggle.value = saved.theme;
    status.textContent = "Saved.";
  } catch (err) {
    status.textContent = "";
    showError(errorBox, err);
  }
});
document.documentElement.dataset.pageReady = "preferences";
