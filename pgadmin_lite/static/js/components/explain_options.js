// The EXPLAIN options menu next to Explain: eight checkboxes, remembered per user in this browser.

const DEFAULTS = { analyze: false, verbose: false, costs: true, settings: false, buffers: false, wal: false,
  timing: true, summary: true };
const NEEDS_ANALYZE = ["timing", "wal"];  // PostgreSQL refuses these true without ANALYZE

export class ExplainOptions {
  /** root holds input[data-explain-option] boxes and the [data-analyze-warning] note; userId keys the memory. */
  constructor(root, userId) {
    this.root = root;
    this.key = `pgadmin-lite:explain-options:${userId ?? "anonymous"}`;
    this.boxes = Object.fromEntries([...root.querySelectorAll("input[data-explain-option]")]
      .map((box) => [box.dataset.explainOption, box]));
    this.warning = root.querySelector("[data-analyze-warning]");
    const stored = this.stored();
    for (const [name, box] of Object.entries(this.boxes)) {
      box.checked = stored[name] ?? DEFAULTS[name];
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

  stored() {
    try {
      const value = JSON.parse(localStorage.getItem(this.key) ?? "{}");
      return value && typeof value === "object" ? value : {};
    } catch {
      return {};  // a value some other version wrote: the defaults
    }
  }

  changed() {
    localStorage.setItem(this.key, JSON.stringify(Object.fromEntries(
      Object.entries(this.boxes).map(([name, box]) => [name, box.checked]))));
    this.sync();
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
