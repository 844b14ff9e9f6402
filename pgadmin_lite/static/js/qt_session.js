// One query tool's server side: open or re-attach by tx_id (kept per tab in sessionStorage),
// execute with long-polling, fetch more rows, cancel, reconnect, close.
import { api, postDownload } from "./api.js";
import { withSession } from "./session_guard.js";

const EXECUTE_WAIT_MS = 300;
const POLL_WAIT_MS = 5000;

export class ToolSession {
  constructor(serverId, database) {
    this.serverId = serverId;
    this.database = database;
    this.storeKey = `pgadmin-lite:tx:${serverId}:${database}`;
    this.txId = sessionStorage.getItem(this.storeKey);
  }

  get base() {
    return `api/v1/query-tool/${encodeURIComponent(this.txId)}`;
  }

  /** POST api/v1/query-tool; remembers the new tx_id for this tab. */
  async open(password) {
    const body = { server_id: this.serverId, database: this.database };
    if (password) body.password = password;
    const info = await withSession(() => api("POST", "api/v1/query-tool", body));
    this.txId = info.tx_id;
    sessionStorage.setItem(this.storeKey, this.txId);
    return info;
  }

  describe() {
    return api("GET", this.base);
  }

  /** Run a script; resolves with the finished result however long it runs (202 → long-poll). */
  async execute(sql, onAccepted) {
    let data = await withSession(() => api("POST", `${this.base}/execute`, { sql, wait_ms: EXECUTE_WAIT_MS }));
    onAccepted?.();
    while (data?.state === "running") data = await this.poll();
    return data;
  }

  poll(waitMs = POLL_WAIT_MS) {
    return api("GET", `${this.base}/result`, undefined, { wait_ms: waitMs });
  }

  /** Follow a statement that is already running (e.g. after a reload) to its result. */
  async waitResult() {
    let data = await this.poll();
    while (data?.state === "running") data = await this.poll();
    return data;
  }

  /** PATCH the tab's transaction modes ({autocommit, auto_rollback, single_transaction}); resolves to describe. */
  setModes(modes) {
    return withSession(() => api("PATCH", this.base, modes));
  }

  fetch(limit) {
    return withSession(() => api("POST", `${this.base}/fetch`, { limit }));
  }

  cancel() {
    return withSession(() => api("POST", `${this.base}/cancel`));
  }

  reconnect() {
    return withSession(() => api("POST", `${this.base}/reconnect`));
  }

  async close() {
    try {
      await withSession(() => api("DELETE", this.base));
    } finally {
      this.forget();
    }
  }

  forget() {
    sessionStorage.removeItem(this.storeKey);
    this.txId = null;
  }

  /** The CSV download is a POST (it may read the result again, so a link must not trigger it). */
  downloadCsv() {
    postDownload(`${this.base}/export.csv`);
  }
}
