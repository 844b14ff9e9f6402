// The tab's catalog snapshot for completion: fetched when the tab connects, and again after a run that may have
// changed names or the search_path (cheap: the browser revalidates with the snapshot's ETag, answered 304).
import { api } from "./api.js";

const MAY_CHANGE_NAMES = /^(CREATE|ALTER|DROP|COMMENT|SET|RESET|DISCARD|IMPORT|COMMIT|ROLLBACK)\b/;

export class CatalogFeed {
  /** session() is the tab's ToolSession; onCatalog(snapshot) hands it to the editor; el shows data-catalog. */
  constructor({ session, onCatalog, el }) {
    Object.assign(this, { session, onCatalog, el });
  }

  async load() {
    const session = this.session();
    if (!session?.txId) return;
    this.el.dataset.catalog = "loading";
    try {
      this.onCatalog(await api("GET", `${session.base}/catalog`));
      this.el.dataset.catalog = "ready";
    } catch (err) {
      this.el.dataset.catalog = "failed";  // completion keeps to keywords; the reason is in the title
      this.el.title = `Completion from the catalog is off: ${err.message}`;
    }
  }

  /** After a run: load again if one of its statements may have changed what completion offers. */
  afterRun(result) {
    if ((result?.statements ?? []).some((statement) => MAY_CHANGE_NAMES.test(statement.command ?? ""))) this.load();
  }
}
