// The preferences page: read the form, PUT api/v1/preferences, apply the look at once.
import { api } from "./api.js";
import { applyLook } from "./components/theme.js";
import { showError } from "./ui.js";

const form = document.querySelector("#preferences-form");
const status = document.querySelector("#preferences-status");
const errorBox = document.querySelector("#preferences-error");
const MODE_VALUES = { "": null, on: true, off: false };

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
  };
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  status.textContent = "Saving…";
  showError(errorBox, null);
  try {
    const saved = await api("PUT", "api/v1/preferences", readForm());
    applyLook(saved);
    const toggle = document.querySelector("#theme-toggle");
    if (toggle) toggle.value = saved.theme;
    status.textContent = "Saved.";
  } catch (err) {
    status.textContent = "";
    showError(errorBox, err);
  }
});
document.documentElement.dataset.pageReady = "preferences";
