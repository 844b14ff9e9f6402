// The transaction badge: idle / in transaction (with its age) / failed transaction / connection lost, and
// whether the connection still holds a snapshot for a result being paged outside any transaction.
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
    this.holds = "nothing";
    this.startedAt = null;
    this.timer = null;
  }

  get isInTransaction() {
    return this.status === "in_transaction" || this.status === "in_error";
  }

  /** Set the status; ageSeconds (from GET …/<tx_id>) fixes when the transaction began; holds is what the
   * server keeps for us ("nothing", "snapshot", "transaction"). */
  set(status, ageSeconds, holds) {
    const wasIn = this.isInTransaction;
    if (holds !== undefined) this.holds = holds ?? "nothing";
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
    const isHolding = this.status === "idle" && this.holds === "snapshot";
    if (isHolding) text += " · holding a snapshot";
    if (this.isInTransaction && this.startedAt !== null) {
      text += ` · ${Math.max(0, Math.floor((Date.now() - this.startedAt) / 1000))} s`;
    }
    this.el.textContent = text;
    this.el.dataset.status = this.status;
    this.el.dataset.holds = isHolding ? "snapshot" : "nothing";
    if (this.status === "lost") this.el.title = "The connection to the server was lost; press Reconnect.";
    else if (isHolding) this.el.title = "The result's rows are still read from the server, which keeps a snapshot for them; it is released soon after you stop paging.";
    else this.el.title = "Transaction status of this query tool";
  }
}
