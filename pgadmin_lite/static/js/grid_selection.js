// The grid's selection: one block of cells from an anchor to a focus (positions in the shown order), set by the
// mouse (click, shift-click, drag, a row number, a column header) or the keyboard (arrows, Shift, Ctrl+A).

export class GridSelection {
  /** grid: the ResultsGrid (viewLength, columns, rows on screen, scrollToCell, copy, openViewer). */
  constructor(grid) {
    this.grid = grid;
    this.reset();
  }

  reset() {
    this.anchor = null;
    this.focus = null;
    this.isDragging = false;
    this.paint();
  }

  attach(scroller, head, body) {
    this.scroller = scroller;
    this.head = head;
    this.body = body;
    body.addEventListener("mousedown", (event) => this.onCellDown(event));
    body.addEventListener("mouseover", (event) => this.onCellOver(event));
    body.addEventListener("dblclick", (event) => {
      const at = this.cellAt(event.target);
      if (at && at.c >= 0) this.grid.openCell(at.i, at.c);
    });
    head.addEventListener("click", (event) => this.onHeadClick(event));
    scroller.addEventListener("keydown", (event) => this.onKey(event));
  }

  /** {r0, r1, c0, c1} inclusive, or null when nothing is selected. */
  range() {
    if (!this.anchor) return null;
    return { r0: Math.min(this.anchor.i, this.focus.i), r1: Math.max(this.anchor.i, this.focus.i),
      c0: Math.min(this.anchor.c, this.focus.c), c1: Math.max(this.anchor.c, this.focus.c) };
  }

  lastRow() {
    return this.grid.viewLength() - 1;
  }

  lastColumn() {
    return this.grid.columns.length - 1;
  }

  select(anchor, focus) {
    if (this.grid.viewLength() === 0) return;
    this.anchor = anchor;
    this.focus = focus;
    this.paint();
  }

  /** Move the focus (with the anchor unless extending) to row i, column c, and bring it into view. */
  moveTo(i, c, isExtending = false) {
    const at = { i: Math.max(0, Math.min(this.lastRow(), i)), c: Math.max(0, Math.min(this.lastColumn(), c)) };
    this.select(isExtending && this.anchor ? this.anchor : at, at);
    if (this.focus) this.grid.scrollToCell(at.i, at.c);
  }

  cellAt(target) {
    const td = target.closest?.("td");
    if (!td || !this.body.contains(td)) return null;
    return { i: Number(td.parentElement.dataset.row), c: td.cellIndex - 1 };
  }

  onCellDown(event) {
    const at = this.cellAt(event.target);
    if (event.button !== 0 || !at) return;
    event.preventDefault();  // no text selection while dragging; the grid takes the keyboard
    this.scroller.focus({ preventScroll: true });
    this.dragMode = at.c < 0 ? "rows" : "cells";
    this.isDragging = true;
    if (at.c < 0) {
      const anchor = event.shiftKey && this.anchor ? { i: this.anchor.i, c: 0 } : { i: at.i, c: 0 };
      this.select(anchor, { i: at.i, c: this.lastColumn() });
    } else {
      this.select(event.shiftKey && this.anchor ? this.anchor : at, at);
    }
  }

  onCellOver(event) {
    if (!this.isDragging || !(event.buttons & 1)) return;
    const at = this.cellAt(event.target);
    if (!at) return;
    this.select(this.anchor, this.dragMode === "rows" ? { i: at.i, c: this.lastColumn() } : { i: at.i, c: Math.max(0, at.c) });
  }

  onHeadClick(event) {
    const th = event.target.closest("th");
    if (!th || event.target.closest(".col-sort, .col-resize")) return;
    this.scroller.focus({ preventScroll: true });
    if (!th.dataset.column) {
      this.select({ i: 0, c: 0 }, { i: this.lastRow(), c: this.lastColumn() });
      return;
    }
    const c = Number(th.dataset.column);
    const from = event.shiftKey && this.anchor ? this.anchor.c : c;
    this.select({ i: 0, c: from }, { i: this.lastRow(), c });
  }

  onKey(event) {
    const isCtrl = event.ctrlKey || event.metaKey;
    const key = event.key;
    if (isCtrl && key.toLowerCase() === "a") {
      this.select({ i: 0, c: 0 }, { i: this.lastRow(), c: this.lastColumn() });
    } else if (isCtrl && key.toLowerCase() === "c") {
      this.grid.copy("tsv", event.shiftKey);
    } else if (key === "Enter" && !isCtrl && this.focus) {
      this.grid.openCell(this.focus.i, this.focus.c);
    } else if (key === "F2" && this.focus) {
      this.grid.editor?.edit(this.focus.i, this.focus.c);
    } else if (!this.moveByKey(event, isCtrl)) {
      return;
    }
    event.preventDefault();
  }

  /** Arrows, Page Up/Down, Home/End (Ctrl: to the edge); Shift extends. False when the key is not one of them. */
  moveByKey(event, isCtrl) {
    const at = this.focus ?? { i: 0, c: 0 };
    const page = Math.max(1, Math.floor(this.scroller.clientHeight / (this.grid.rowHeight || 22)) - 1);
    const moves = {
      ArrowUp: [isCtrl ? -at.i : -1, 0], ArrowDown: [isCtrl ? this.lastRow() - at.i : 1, 0],
      ArrowLeft: [0, isCtrl ? -at.c : -1], ArrowRight: [0, isCtrl ? this.lastColumn() - at.c : 1],
      PageUp: [-page, 0], PageDown: [page, 0],
      Home: isCtrl ? [-at.i, -at.c] : [0, -at.c], End: isCtrl ? [this.lastRow() - at.i, this.lastColumn() - at.c] : [0, this.lastColumn() - at.c],
    };
    const move = moves[event.key];
    if (!move) return false;
    const [di, dc] = this.focus ? move : [0, 0];
    this.moveTo(at.i + di, at.c + dc, event.shiftKey);
    return true;
  }

  /** Mark the selected cells, row numbers and headers of the rows on screen. */
  paint() {
    if (!this.body) return;
    const range = this.range();
    for (const tr of this.body.rows) {
      const i = Number(tr.dataset.row);
      const isRowIn = range && i >= range.r0 && i <= range.r1;
      tr.cells[0].classList.toggle("sel", Boolean(isRowIn));
      for (let c = 1; c < tr.cells.length; c += 1) {
        const cell = tr.cells[c];
        cell.classList.toggle("sel", Boolean(isRowIn && c - 1 >= range.c0 && c - 1 <= range.c1));
        cell.classList.toggle("cur", Boolean(this.focus && this.focus.i === i && this.focus.c === c - 1));
        if (!cell.className) cell.removeAttribute("class");
      }
    }
    for (const th of this.head.querySelectorAll("th[data-column]")) {
      const c = Number(th.dataset.column);
      th.classList.toggle("sel", Boolean(range && c >= range.c0 && c <= range.c1));
    }
  }
}
