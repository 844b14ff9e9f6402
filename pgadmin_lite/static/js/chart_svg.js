// A small SVG line chart (our own code, no library): a few series over time, redrawn on each poll.
const NS = "http://www.w3.org/2000/svg";
const W = 300;
const H = 120;
const PAD = { left: 34, right: 4, top: 6, bottom: 14 };
export const COLORS = ["#2f5d8a", "#1e7b34", "#b3261e", "#8a5a00", "#5b2c91"];

function svgEl(tag, attrs = {}) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
}

function shortNumber(n) {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return n >= 10 || n === 0 ? String(Math.round(n)) : n.toFixed(1);
}

export class LineChart {
  /** series: [{key, label}]; keeps the last `capacity` points of each. */
  constructor(container, { id, title, series, capacity = 60 }) {
    this.series = series.map((s, i) => ({ ...s, color: COLORS[i % COLORS.length], values: [] }));
    this.capacity = capacity;
    this.svg = svgEl("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": title });
    const legend = document.createElement("div");
    legend.className = "legend";
    this.legendValues = this.series.map((s) => {
      const item = document.createElement("span");
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = s.color;
      const value = document.createElement("span");
      item.append(swatch, `${s.label} `, value);
      legend.append(item);
      return value;
    });
    const box = document.createElement("div");
    box.className = "chart";
    box.id = id;
    const heading = document.createElement("h2");
    heading.textContent = title;
    box.append(heading, this.svg, legend);
    container.append(box);
    this.draw();
  }

  /** Add one point: an object with a number per series key. */
  push(point) {
    for (const s of this.series) {
      s.values.push(Number(point[s.key]) || 0);
      if (s.values.length > this.capacity) s.values.shift();
    }
    this.draw();
  }

  draw() {
    const max = Math.max(1, ...this.series.flatMap((s) => s.values));
    const plotW = W - PAD.left - PAD.right;
    const plotH = H - PAD.top - PAD.bottom;
    const x = (i) => PAD.left + (plotW * i) / Math.max(1, this.capacity - 1);
    const y = (v) => PAD.top + plotH - (plotH * v) / max;
    const nodes = [
      svgEl("line", { class: "axis", x1: PAD.left, y1: PAD.top + plotH, x2: W - PAD.right, y2: PAD.top + plotH }),
      svgEl("line", { class: "axis", x1: PAD.left, y1: PAD.top, x2: PAD.left, y2: PAD.top + plotH }),
    ];
    for (const [value, at] of [[max, PAD.top + 8], [0, PAD.top + plotH]]) {
      const label = svgEl("text", { class: "axis-label", x: PAD.left - 3, y: at, "text-anchor": "end" });
      label.textContent = shortNumber(value);
      nodes.push(label);
    }
    this.series.forEach((s, k) => {
      const offset = this.capacity - s.values.length;
      const points = s.values.map((v, i) => `${x(offset + i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
      nodes.push(svgEl("polyline", { points, stroke: s.color, "data-series": s.key, "data-count": s.values.length }));
      const last = s.values.at(-1);
      this.legendValues[k].textContent = last === undefined ? "" : shortNumber(last);
    });
    this.svg.replaceChildren(...nodes);
  }
}
