// The tree's search box: objects of the current node's database whose name contains the text
// (GET api/v1/servers/<sid>/search); a result opens the object.
import { api, h } from "../api.js";
import { debounce, errorText } from "../ui.js";

const DELAY_MS = 250;

export class SearchBox {
  /** onOpen({server, ref, kind}) when a result is chosen. */
  constructor({ input, scopeEl, results, onOpen }) {
    this.input = input;
    this.scopeEl = scopeEl;
    this.results = results;
    this.onOpen = onOpen;
    this.scope = null;
    this.generation = 0;
    const later = debounce(() => this.run(), DELAY_MS);
    input.addEventListener("input", later);
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        later.cancel();
        this.run();
      } else if (event.key === "ArrowDown") {
        event.preventDefault();
        results.querySelector("button")?.focus();
      } else if (event.key === "Escape") {
        input.value = "";
        this.show([]);
      }
    });
    results.addEventListener("keydown", (event) => {
      const buttons = [...results.querySelectorAll("button")];
      const index = buttons.indexOf(document.activeElement);
      if (event.key === "ArrowDown") buttons[index + 1]?.focus();
      else if (event.key === "ArrowUp") (buttons[index - 1] ?? input).focus();
      else return;
      event.preventDefault();
    });
  }

  /** The database searched: the one of the tree node last focused. */
  setScope(scope) {
    if (!scope?.db || (this.scope?.server.id === scope.server.id && this.scope.db === scope.db)) return;
    this.scope = scope;
    this.scopeEl.textContent = `Searching ${scope.db} on ${scope.server.name}`;
    if (this.input.value.trim()) this.run();
  }

  async run() {
    const q = this.input.value.trim();
    const mine = ++this.generation;
    if (!q) {
      this.show([]);
      return;
    }
    if (!this.scope) {
      this.show([h("li", { class: "hint" }, "Select a database in the tree first.")]);
      return;
    }
    const { server, db } = this.scope;
    try {
      const page = await api("GET", `api/v1/servers/${server.id}/search`, undefined, { db, q });
      if (mine !== this.generation) return;
      const items = page.items.map((item) => h("li", {}, h("button", {
        type: "button", class: "ws-result", "data-kind": item.kind, "data-name": item.name,
        onclick: () => this.onOpen({ server, ref: item.ref, kind: item.kind }),
      }, h("span", { class: "ws-result-name" }, item.label),
      h("span", { class: "ws-result-where" }, [item.kind.replaceAll("_", " "), item.schema].filter(Boolean).join(" · ")))));
      if (!items.length) items.push(h("li", { class: "hint" }, `Nothing named like “${q}” in ${db}.`));
      if (page.truncated) items.push(h("li", { class: "hint" }, `First ${page.limit} shown: type more to narrow.`));
      this.show(items);
    } catch (err) {
      if (mine === this.generation) this.show([h("li", { class: "error" }, errorText(err))]);
    }
  }

  show(items) {
    this.results.replaceChildren(...items);
    this.results.hidden = !items.length;
  }
}
