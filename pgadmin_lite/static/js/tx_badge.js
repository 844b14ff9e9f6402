// The transaction badge: idle / in transaction (with its age) / failed transaction / connection lost.
const LABELS = {
  connecting: "Connecting…",
  idle: "Idle",
  in_transaction: "In transaction",
  in_error: "Failed transaction — roll back to continue",
  lost: "Connection lost",
  closed: "Closed",
  unknown: "Unknown state",
};

export class TxBadge {
  constructor(el) {
    this.el = el;
    this.status = "connecting";
    this.startedAt = null;
    this.timer = null;
  }

  get isInTransaction() {
    return this.status === "in_transaction" || this.status === "in_error";
  }

  /** Set the status; ageSeconds (from GET …/<tx_id>) fixes when the transaction began. */
  set(status, ageSeconds) {
    const wasIn = this.isInTransaction;
    this.status = status in LABELS ? status : "unknown";
    if (!this.isInTransaction) this.startedAt = null;
    else if (typeof ageSeconds === "number") this.startedAt = Date.now() - ageSeconds * 1000;
    else if (!wasIn || this.startedAt === null) this.startedAt = Date.now();
    clearInterval(this.timer);
    this.timer = this.isInTransaction ? setInterval(() => this.render(), 1000) : null;
    this.render();
  }

  render() {
    let text = LABELS[this.status];
    if (this.isInTransaction && this.startedAt !== null) {
      text += ` · ${Math.max(0, Math.floor((Date.now() - this.startedAt) / 1000))} s`;
    }
    this.el.textContent = text;
    this.el.dataset.status = this.status;
    this.el.title = this.status === "lost"
      ? "The connection to the server was lost; press Reconnect." : "Transaction status of this query tool";
  }
}
