// The Chart tab: the loaded rows of the result in view, drawn with the vendored uPlot (line, bar, stacked bar,
// scatter, area) in the page's theme, and downloadable as a PNG. The plot's box carries data-kind, data-series,
// data-points and data-x-axis (and data-x-ticks on a time axis) once drawn, for tests and debugging.
import { h } from "./api.js";
import { uPlot } from "../vendor/uplot/uplot.bundle.js";
import { cssColor, SERIES_COLORS } from "./components/theme.js";
import { chartData, columnKind, columnWidth, offsetAt, stack } from "./lib/chart_data.js";

const KINDS = [["line", "Line"], ["bar", "Bar"], ["stacked", "Stacked bar"], ["scatter", "Scatter"], ["area", "Area"]];
const BARS = new Set(["bar", "stacked"]);
const FONT = "system-ui, sans-serif";
const BAR_SHARE = 0.8;  // of the step between xs; the rest is the gap between groups of bars
const MIN_HEIGHT = 140;
const LABEL_CHARS = 18;  // a text x's tick labels are cut to this (the legend shows the whole text)
const DAY = 86_400;
const pad = (n, width = 2) => String(n).padStart(width, "0");

/** Tick labels of a time axis as wall-clock times in the values' own offset (shift: seconds to add to an instant). */
function timeTicks(shift) {
  return (u, splits, axisIndex, space, incr) => {
    let lastDay = "";
    return splits.map((ts) => {
      const d = new Date((ts + shift(ts)) * 1000);
      const day = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
      if (incr >= 28 * DAY) return day.slice(0, 7);
      if (incr >= DAY) return day;
      const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}${incr < 60 ? `:${pad(d.getUTCSeconds())}` : ""}`;
      const label = day === lastDay ? time : `${time}\n${day}`;
      lastDay = day;
      return label;
    });
  };
}

/** For uPlot's tzDate: a Date whose local fields read the wall-clock time of instant ts in the values' own offset. */
function wallClock(ts, data) {
  const shifted = new Date((ts + offsetAt(data.xs, data.offsets, ts)) * 1000);
  return new Date(shifted.getTime() + shifted.getTimezoneOffset() * 60_000);
}

/** uPlot's bars, placed by us: series k of n side by side in each x's column, or on a stack's [bottoms, tops]. */
function barPaths(xs, step, k, n, band) {
  const width = (step * BAR_SHARE) / n;
  const starts = xs.map((x) => x - (step * BAR_SHARE) / 2 + k * width);
  const disp = { x0: { unit: 1, values: () => starts }, size: { unit: 1, values: () => [width] } };
  if (band) Object.assign(disp, { y0: { unit: 1, values: () => band[0] }, y1: { unit: 1, values: () => band[1] } });
  return uPlot.paths.bars({ disp });
}

/** A colour from cssColor() ("rgb(r, g, b)") at an opacity, for an area's fill. */
function translucent(color, alpha) {
  return color.replace(/^rgb\((.*)\)$/, `rgba($1, ${alpha})`);
}

/** The chart as a PNG data URL: uPlot's canvas (plot and axes) on the panel's colour, its legend drawn beneath. */
function chartPng(plot, entries, { background, foreground }) {
  const source = plot.ctx.canvas;
  const ratio = source.width / plot.width;
  const size = 12 * ratio;
  const gap = 8 * ratio;
  const measure = document.createElement("canvas").getContext("2d");
  measure.font = `${size}px ${FONT}`;
  const placed = [];
  let x = gap;
  let row = 0;
  for (const entry of entries) {
    const width = size + gap / 2 + measure.measureText(entry.label).width + 2 * gap;
    if (x + width > source.width && x > gap) [x, row] = [gap, row + 1];
    placed.push({ ...entry, x, row });
    x += width;
  }
  const lineHeight = size * 1.8;
  const out = document.createElement("canvas");
  out.width = source.width;
  out.height = source.height + (row + 1) * lineHeight + gap;
  const ctx = out.getContext("2d");
  ctx.fillStyle = background;
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.drawImage(source, 0, 0);
  ctx.font = `${size}px ${FONT}`;
  ctx.textBaseline = "middle";
  for (const entry of placed) {
    const middle = source.height + gap / 2 + entry.row * lineHeight + lineHeight / 2;
    ctx.fillStyle = entry.color;
    ctx.fillRect(entry.x, middle - size / 2, size, size);
    ctx.fillStyle = foreground;
    ctx.fillText(entry.label, entry.x + size + gap / 2, middle);
  }
  return out.toDataURL("image/png");
}

export class ResultChart {
  /** panel: the Chart tab's panel; the chart draws when it has room (the tab is shown) and its data is new. */
  constructor(panel) {
    this.panel = panel;
    this.source = { columns: [], rows: [], hasMore: false };
    this.kind = "line";
    this.xName = undefined;  // a column's name, null for the row number, undefined: not chosen yet
    this.yNames = null;
    this.signature = "";
    this.plot = null;
    this.isStale = true;
    this.kindSelect = h("select", { id: "chart-kind", onchange: () => { this.kind = this.kindSelect.value; this.draw(); } },
      KINDS.map(([value, label]) => h("option", { value }, label)));
    this.xSelect = h("select", { id: "chart-x", onchange: () => this.chooseX() });
    this.yBox = h("span", { class: "chart-y", id: "chart-y", role: "group", "aria-label": "Y columns" });
    this.note = h("span", { class: "hint chart-note", id: "chart-note", "aria-live": "polite" });
    this.pngButton = h("button", { type: "button", id: "chart-png", disabled: true, onclick: () => this.downloadPng() },
      "Download PNG");
    this.controls = h("div", { class: "chart-controls" },
      h("label", { class: "check" }, "Chart", this.kindSelect), h("label", { class: "check" }, "X", this.xSelect),
      h("span", { class: "chart-y-label" }, "Y"), this.yBox, h("span", { class: "spacer" }), this.note, this.pngButton);
    this.message = h("p", { class: "hint chart-message", id: "chart-message", hidden: true });
    this.area = h("div", { class: "chart-plot", id: "chart-plot" });
    panel.replaceChildren(this.controls, this.message, this.area);
    this.resizes = new ResizeObserver(() => this.fit());  // the area's size, and the legend's (it wraps)
    this.resizes.observe(this.area);
    const redraw = () => this.plot && this.refresh();  // the colours are drawn into the canvas: draw again
    new MutationObserver(redraw).observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
    window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", redraw);
  }

  /** The rows to draw: {columns: [{name, type}], rows, hasMore}; drawn now if the tab is shown, else when it is. */
  setSource(source) {
    this.source = source;
    const signature = JSON.stringify(source.columns.map((c) => [c.name, c.type]));
    if (signature !== this.signature) {
      this.signature = signature;
      this.chooseDefaults();
      this.renderChoices();
    }
    this.refresh();
  }

  /** Draw now if the tab is shown, else once it is (fit). */
  refresh() {
    this.isStale = true;
    if (this.hasRoom()) this.draw();
  }

  hasRoom() {
    return this.area.clientWidth > 0;
  }

  /** Keep the user's choices that still name columns; otherwise x: a time, then a text column, else the first. */
  chooseDefaults() {
    const { columns } = this.source;
    if (!columns.length) return;  // nothing to choose from: keep the choices for the next result
    const kinds = columns.map((c) => columnKind(c.type));
    const names = columns.map((c) => c.name);
    if (this.xName === undefined || (this.xName !== null && !names.includes(this.xName))) {
      const numbers = kinds.filter((k) => k === "number").length;
      const pick = kinds.indexOf("time") >= 0 ? kinds.indexOf("time") : kinds.indexOf("other");
      this.xName = pick >= 0 ? names[pick] : numbers > 1 ? names[0] : null;
    }
    const candidates = names.filter((name, i) => kinds[i] === "number" && name !== this.xName);
    const kept = (this.yNames ?? []).filter((name) => candidates.includes(name));
    this.yNames = kept.length ? kept : candidates;
  }

  renderChoices() {
    const { columns } = this.source;
    this.kindSelect.value = this.kind;
    this.xSelect.replaceChildren(h("option", { value: "" }, "(row number)"),
      ...columns.map((c, i) => h("option", { value: String(i), selected: c.name === this.xName }, c.name)));
    if (this.xName === null) this.xSelect.value = "";
    this.yBox.replaceChildren(...columns.flatMap((c) => {
      if (columnKind(c.type) !== "number" || c.name === this.xName) return [];
      const box = h("input", { type: "checkbox", value: c.name, checked: this.yNames.includes(c.name),
        onchange: () => this.chooseY() });
      return [h("label", { class: "check", title: c.type }, box, c.name)];
    }));
  }

  chooseX() {
    const index = this.xSelect.value;
    this.xName = index === "" ? null : this.source.columns[Number(index)].name;
    this.yNames = this.yNames.filter((name) => name !== this.xName);
    this.renderChoices();
    this.draw();
  }

  chooseY() {
    this.yNames = [...this.yBox.querySelectorAll("input:checked")].map((box) => box.value);
    this.draw();
  }

  /** Why nothing is drawn, or null: no result set, no numeric column, no y chosen, no rows. */
  problem() {
    const { columns, rows } = this.source;
    if (!columns.length) return "Run a query that returns rows to chart them here.";
    if (!columns.some((c) => columnKind(c.type) === "number")) {
      return "Nothing to chart: this result has no numeric column (integer, bigint, numeric, real, double precision).";
    }
    if (!this.yNames.length) return "Choose one or more Y columns.";
    return rows.length ? null : "The result has no rows to draw.";
  }

  draw() {
    this.isStale = false;
    if (this.plot) {
      this.resizes.unobserve(this.legend());
      this.plot.destroy();
      this.plot = null;
    }
    Object.assign(this.area.dataset, { series: "0", points: "0" });
    const problem = this.problem();
    this.message.textContent = problem ?? "";
    this.message.hidden = !problem;
    this.pngButton.disabled = Boolean(problem);
    this.note.textContent = "";
    if (problem) return;
    const { columns, rows, hasMore } = this.source;
    const names = columns.map((c) => c.name);
    const xIndex = this.xName === null ? null : names.indexOf(this.xName);
    const data = chartData(columns, rows, xIndex, this.yNames.map((name) => names.indexOf(name)));
    this.note.textContent = `${data.xs.length} of the ${rows.length} rows loaded${hasMore ? " (more in Data output: Load more)" : ""}`
      + (data.dropped ? `; ${data.dropped} without an x value left out` : "");
    this.bands = this.kind === "stacked" ? stack(data.ys) : null;
    // uPlot's data: the xs, then each y series (a stack's tops for stacked bars, so the y scale holds the totals)
    const columnar = [data.xs, ...(this.bands ? this.bands.map((band) => band[1]) : data.ys)];
    this.plot = new uPlot(this.options(data), columnar, this.area);
    this.resizes.observe(this.legend());
    this.fit();
  }

  legend() {
    return this.plot.root.querySelector(".u-legend");
  }

  options(data) {
    const colors = SERIES_COLORS.map((name) => cssColor(name));
    this.colors = data.ys.map((_, k) => colors[k % colors.length]);
    const axis = { stroke: cssColor("--muted"), font: `11px ${FONT}`, grid: { stroke: cssColor("--line"), width: 1 },
      ticks: { stroke: cssColor("--line"), width: 1 } };
    const isTime = data.kind === "time";
    const isIndex = data.kind === "row" || data.kind === "other";
    const step = isIndex ? 1 : columnWidth(data.xs);
    const isBars = BARS.has(this.kind);
    const xAxis = { ...axis };
    if (isTime) {
      const ticks = timeTicks((ts) => offsetAt(data.xs, data.offsets, ts));
      xAxis.space = 80;
      xAxis.values = (u, ...args) => {
        const labels = ticks(u, ...args);
        this.area.dataset.xTicks = labels.join("|");
        return labels;
      };
    } else if (isIndex) {
      xAxis.incrs = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000];
      if (data.kind === "other") {
        const short = data.labels.map((text) => (text.length > LABEL_CHARS ? `${text.slice(0, LABEL_CHARS - 1)}…` : text));
        xAxis.space = 12 + 7 * Math.max(...short.map((text) => text.length));  // about a 11px character each
        xAxis.values = (u, splits) => splits.map((i) => short[i] ?? "");
      }
    }
    const card = cssColor("--card");
    return {
      width: Math.max(200, this.area.clientWidth),
      height: MIN_HEIGHT,
      tzDate: isTime ? (ts) => wallClock(ts, data) : undefined,
      scales: {
        x: { time: isTime, range: isBars ? (u, min, max) => [min - step / 2, max + step / 2] : undefined },
        y: { range: isBars || this.kind === "area" ? (u, min, max) => uPlot.rangeNum(Math.min(0, min ?? 0),
          Math.max(0, max ?? 1), 0.1, true) : undefined },
      },
      axes: [xAxis, { ...axis, size: 60 }],
      series: [
        { label: this.xName ?? "row", value: (u, v, s, i) => (i == null ? "" : data.labels[i]) },
        ...this.yNames.map((name, k) => this.ySeries(name, k, data, { step, card })),
      ],
      hooks: { draw: [(u) => this.drawn(u, data)] },
    };
  }

  ySeries(label, k, data, { step, card }) {
    const color = this.colors[k];
    const n = this.yNames.length;
    const series = { label, stroke: color, width: 1.5, value: (u, v, s, i) => (i == null ? "" : data.ys[k][i] ?? "NULL"),
      points: { fill: card } };
    if (k >= SERIES_COLORS.length) series.dash = [6, 3];
    if (this.kind === "scatter") Object.assign(series, { paths: () => null, points: { show: true, size: 5, fill: color } });
    if (this.kind === "area") series.fill = translucent(color, 0.2);
    if (this.kind === "bar") Object.assign(series, { paths: barPaths(data.xs, step, k, n, null), fill: color });
    if (this.kind === "stacked") Object.assign(series, { paths: barPaths(data.xs, step, 0, 1, this.bands[k]), fill: color });
    if (BARS.has(this.kind)) series.points = { show: false };
    return series;
  }

  /** Recorded on the box after each draw: what is on the canvas. */
  drawn(u, data) {
    Object.assign(this.area.dataset, { kind: this.kind, series: String(u.series.length - 1), points: String(data.xs.length),
      xAxis: data.kind });
    if (data.kind !== "time") delete this.area.dataset.xTicks;
  }

  /** Take the area's size: the canvas gets what the legend leaves; draw first if the data came while hidden. */
  fit() {
    if (!this.hasRoom()) return;
    if (this.isStale) {
      this.draw();
      return;
    }
    if (!this.plot) return;
    const width = this.area.clientWidth;
    const height = Math.max(MIN_HEIGHT, this.area.clientHeight - this.legend().offsetHeight - 4);
    if (width !== this.plot.width || height !== this.plot.height) this.plot.setSize({ width, height });
  }

  downloadPng() {
    if (!this.plot) return;
    const entries = this.plot.series.slice(1).map((s, k) => ({ label: s.label, color: this.colors[k], isShown: s.show }))
      .filter((entry) => entry.isShown);
    const href = chartPng(this.plot, entries, { background: cssColor("--card"), foreground: cssColor("--fg") });
    const link = h("a", { href, download: "chart.png", hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
  }
}
