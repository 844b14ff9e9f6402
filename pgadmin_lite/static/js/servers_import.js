// Import a pgAdmin servers.json: upload it or pick it from the file area, preview what is added or replaced (and
// what is not supported, by name), then apply it in one go. An administrator may import for another user.
import { api, h } from "./api.js";
import { chooseFile } from "./file_dialog.js";
import { withSession } from "./session_guard.js";
import { showError } from "./ui.js";

function previewTable(result) {
  const rows = result.servers.map((item) => {
    const problems = [...item.missing_files.map((file) => file.message), ...item.notes];
    return h("tr", { class: "import-row", "data-name": item.name, "data-action": item.action },
      h("td", {}, h("strong", {}, item.name), h("div", { class: "hint" }, item.group)),
      h("td", { class: "import-action" }, item.action === "replace" ? "replaces the existing one" : "added"),
      h("td", { class: "import-files" }, item.files.join(", ") || "—"),
      h("td", { class: "import-unsupported" }, item.unsupported.join(", ") || "—"),
      h("td", { class: "import-notes" }, problems.length ? h("ul", {}, problems.map((text) => h("li", {}, text))) : "—"));
  });
  return h("table", { class: "grid import-preview" },
    h("thead", {}, h("tr", {}, h("th", {}, "Server"), h("th", {}, "Action"), h("th", {}, "Files read"),
      h("th", {}, "Not supported (not imported)"), h("th", {}, "Notes"))),
    h("tbody", {}, rows));
}

function summary(result, isDone) {
  const what = `${result.added} added, ${result.replaced} replaced`;
  return isDone ? `Imported for ${result.user.email}: ${what}.` : `This file would be imported for ${result.user.email}: ${what}.`;
}

/** Open the dialog; userId (optional, administrators): whose servers. onDone(result) runs after an import. */
export function openServersImport({ userId, userEmail, onDone } = {}) {
  let source = null; // {text} or {path}
  const fileInput = h("input", { type: "file", id: "servers-import-file", accept: ".json,application/json" });
  const pick = h("button", { type: "button", id: "servers-import-pick" }, "Choose from my files…");
  const sourceName = h("span", { class: "hint", id: "servers-import-source" }, "No file chosen.");
  const errorBox = h("p", { class: "error", role: "alert", id: "servers-import-error", hidden: true });
  const status = h("p", { class: "hint", role: "status", id: "servers-import-status" });
  const previewBox = h("div", { id: "servers-import-preview" });
  const apply = h("button", { type: "submit", class: "primary", id: "servers-import-apply", disabled: true }, "Import");
  const dialog = h("dialog", { class: "modal wide-modal", id: "servers-import-dialog", "aria-label": "Import servers" },
    h("form", { method: "dialog" },
      h("h2", {}, userEmail ? `Import servers for ${userEmail}` : "Import servers"),
      h("p", { class: "hint" }, "A servers.json from pgAdmin 4 or from an export here. Servers with the same group and "
        + "name are replaced; passwords are never imported. Paths in the file name files in ",
        userEmail ? `${userEmail}'s` : "your", " file area."),
      h("div", { class: "row" }, h("label", {}, "Upload ", fileInput), pick, sourceName),
      errorBox, status, previewBox,
      h("div", { class: "dialog-buttons" },
        h("button", { type: "button", id: "servers-import-cancel", onclick: () => dialog.close() }, "Cancel"),
        apply)));

  const body = () => ({ ...source, ...(userId != null ? { user_id: userId } : {}) });

  async function preview() {
    apply.disabled = true;
    previewBox.replaceChildren();
    status.textContent = "Checking the file…";
    try {
      showError(errorBox, null);
      const result = await withSession(() => api("POST", "api/v1/servers/import/preview", body()));
      previewBox.replaceChildren(previewTable(result));
      status.textContent = summary(result, false);
      apply.disabled = result.servers.length === 0;
    } catch (err) {
      status.textContent = "";
      showError(errorBox, err);
    }
  }

  fileInput.addEventListener("change", async () => {
    const file = fileInput.files[0];
    if (!file) return;
    source = { text: await file.text() };
    sourceName.textContent = file.name;
    await preview();
  });
  pick.addEventListener("click", async () => {
    const choice = await chooseFile({ mode: "open", title: "Import a servers.json from your files", okLabel: "Choose" });
    if (!choice) return;
    if (choice.root !== "home") {
      showError(errorBox, new Error("Choose a file in your own area (shared folders are not read for imports)."));
      return;
    }
    source = { path: choice.path };
    sourceName.textContent = choice.path;
    fileInput.value = "";
    await preview();
  });
  dialog.querySelector("form").addEventListener("submit", async (event) => {
    event.preventDefault();
    apply.disabled = true;
    try {
      showError(errorBox, null);
      const result = await withSession(() => api("POST", "api/v1/servers/import", body()));
      status.textContent = summary(result, true);
      previewBox.replaceChildren(previewTable(result));
      apply.hidden = true;
      dialog.querySelector("#servers-import-cancel").textContent = "Close";
      await onDone?.(result);
    } catch (err) {
      showError(errorBox, err);
      apply.disabled = false;
    }
  });
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  fileInput.focus();
}
