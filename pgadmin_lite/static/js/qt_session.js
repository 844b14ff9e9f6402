// One query tool's server side: open or re-attach by tx_id (kept per tab in sessionStorage, which the
// workspace's iframes share: a workspace tab id in the key keeps two tools on one database apart),
// execute with long-polling, fetch more rows, cancel, reconnect, close.
import { api, beacon, postDownload } from "./api.js";
import { withSession } from "./session_guard.js";

const EXECUTE_WAIT_MS = 300;
const POLL_WAIT_MS = 5000;

export class ToolSession {
  /** tabId: the workspace tab this tool is in (null on a page of its own); searchPath: schemas to start in. */
  constructor(serverId, database, { tabId = null, searchPath = null } = {}) {
    this.serverId = serverId;
    this.database = database;
    this.searchPath = searchPath;
    this.storeKey = `pgadmin-lite:tx:${serverId}:${database}${tabId ? `:${tabId}` : ""}`;
    this.txId = sessionStorage.getItem(this.storeKey);
  }

  get base() {
    return `api/v1/query-tool/${encodeURIComponent(this.txId)}`;
  }

  /** POST api/v1/query-tool; remembers the new tx_id for this tab. */
  async open(password) {
    const body = { server_id: this.serverId, database: this.database };
    if (password) body.password = password;
    if (this.searchPath?.length) body.search_path = this.searchPath;
    const info = await withSession(() => api("POST", "api/v1/query-tool", body));
    this.txId = info.tx_id;
    sessionStorage.setItem(this.storeKey, this.txId);
    return info;
  }

  describe() {
    return api("GET", this.base);
  }

  /** Run a script; resolves with the finished result however long it runs (202 → long-poll). extra: {explain}. */
  async execute(sql, onAccepted, extra = {}) {
    let data = await withSession(() => api("POST", `${this.base}/execute`, { ...extra, sql, wait_ms: EXECUTE_WAIT_MS }));
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

  /** Take over a connection whose page is gone (My sessions' Open): this tab re-attaches to it. */
  adopt(txId) {
    this.txId = txId;
    sessionStorage.setItem(this.storeKey, txId);
  }

  forget() {
    sessionStorage.removeItem(this.storeKey);
    this.txId = null;
  }

  /**
   * Keep the connection while this page is open: renew the lease every third of its length (the server
   * closes a connection whose page went quiet). onGone(err) hears when the server closed it meanwhile.
   */
  keepLease(lease, onGone) {
    this.stopLease();
    if (!lease?.seconds) return;
    this.onLeaseGone = onGone;
    this.leaseTimer = setInterval(() => this.renewLease(), (lease.seconds * 1000) / 3);
  }

  stopLease() {
    clearInterval(this.leaseTimer);
    this.leaseTimer = null;
  }

  async renewLease() {
    if (!this.txId || !this.leaseTimer) return;
    try {
      await withSession(() => api("POST", `${this.base}/lease`, undefined, undefined, { isBackground: true }));
    } catch (err) {
      if (err.status === 404 || err.status === 409 || err.status === 410) {
        this.stopLease();
        this.onLeaseGone?.(err);
      }
    }
  }

  /** The page is going away: the server closes the connection after a short grace (a reload comes back). */
  sayGoodbye() {
    if (this.txId) beacon(`${this.base}/release`);
  }

  /** The export download is a POST (it may read the result again, so a link must not trigger it). */
  download(format) {
    postDownload(`${this.base}/export`, { format });
  }
}
