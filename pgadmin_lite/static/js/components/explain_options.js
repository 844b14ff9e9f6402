// The EXPLAIN options menu next to Explain: eight checkboxes, remembered in the user's preferences.
import { api } from "../api.js";
import { errorText } from "../ui.js";

const NEEDS_ANALYZE = ["timing", "wal"];  // PostgreSQL refuses these true without ANALYZE

export class ExplainOptions {
  /** root (data-options: the saved choices) holds input[data-explain-option] boxes, [data-analyze-warning], [data-note]. */
  constructor(root) {
    this.root = root;
    this.boxes = Object.fromEntries([...root.querySelectorAll("input[data-explain-option]")]
      .map((box) => [box.dataset.explainOption, box]));
    this.warning = root.querySelector("[data-analyze-warning]");
    this.note = root.querySelector("[data-note]");
    const saved = JSON.parse(root.dataset.options);
    for (const [name, box] of Object.entries(this.boxes)) {
      box.checked = Boolean(saved[name]);
      box.addEventListener("change", () => this.changed());
    }
    this.sync();
    document.addEventListener("click", (event) => {
      if (root.open && !root.contains(event.target)) root.open = false;  // a menu: a click elsewhere closes it
    });
    root.addEventListener("keydown", (event) => {
      if (event.key === "Escape") root.open = false;
    });
  }

  /** Save every box, one request after the other (the last click is what the preferences keep). */
  changed() {
    this.sync();
    const choices = Object.fromEntries(Object.entries(this.boxes).map(([name, box]) => [name, box.checked]));
    this.saving = (this.saving ?? Promise.resolve()).then(async () => {
      try {
        await api("PUT", "api/v1/preferences", { explain_options: choices });
        this.note.textContent = "";
      } catch (err) {
        this.note.textContent = `Not remembered: ${errorText(err)}`;
      }
    });
  }

  sync() {
    const isAnalyze = this.boxes.analyze.checked;
    for (const name of NEEDS_ANALYZE) {
      this.boxes[name].disabled = !isAnalyze;
      this.boxes[name].closest("label").title = isAnalyze ? "" : "Needs ANALYZE";
    }
    this.warning.hidden = !isAnalyze;
  }

  /** The options ticked (analyze true/false overrides the box); without ANALYZE the ANALYZE-only ones stay out. */
  options(analyze = this.boxes.analyze.checked) {
    const out = {};
    for (const [name, box] of Object.entries(this.boxes)) {
      if (NEEDS_ANALYZE.includes(name) && !analyze) continue;
      out[name] = name === "analyze" ? analyze : box.checked;
    }
    return out;
  }
}
