// The numbers a chart of query rows draws (no DOM): which columns are numbers or times, values parsed for the
// chart only, rows in uPlot's columnar form, and stacks.

const NUMBER_TYPE = /^(smallint|integer|bigint|real|double precision|numeric|decimal|int[248]|float[48])(\(\d+(,\s*-?\d+)?\))?$/;
const TIME_TYPE = /^(date|timestamp(\(\d\))?( with(out)? time zone)?|timestamptz(\(\d\))?)$/;
// PostgreSQL's ISO DateStyle: 2026-12-04, 2026-12-04 06:30:00.25, 2026-12-04 06:30:00+05:30 (BC and infinity: no).
const STAMP = /^(\d{4,})-(\d\d)-(\d\d)(?:[ T](\d\d):(\d\d):(\d\d(?:\.\d+)?))?(?:([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?)?$/;

/** "number", "time" or "other": what a column of this type (as the API names it) can be on an axis. */
export function columnKind(type) {
  if (NUMBER_TYPE.test(type ?? "")) return "number";
  return TIME_TYPE.test(type ?? "") ? "time" : "other";
}

/** A value as a chart number: big integers and numerics arrive as strings; NULL, NaN and infinities are gaps. */
export function toNumber(value) {
  if (value === null || value === undefined || value === "") return null;
  const n = typeof value === "number" ? value : Number(value);
  return Number.isFinite(n) ? n : null;
}

/** A date or timestamp as the API sends it: {at} its instant (epoch seconds), {offset} its own UTC offset (s). */
export function parseStamp(text) {
  const m = typeof text === "string" ? STAMP.exec(text) : null;
  if (!m) return null;
  const [, year, month, day, hours = "0", minutes = "0", seconds = "0", sign, oh = "0", om = "0", os = "0"] = m;
  const wall = new Date(0);
  wall.setUTCFullYear(Number(year), Number(month) - 1, Number(day));  // not Date.UTC: it maps years 0-99 to 19xx
  wall.setUTCHours(Number(hours), Number(minutes), 0, 0);
  const offset = sign ? (sign === "-" ? -1 : 1) * (Number(oh) * 3600 + Number(om) * 60 + Number(os)) : 0;
  return { at: wall.getTime() / 1000 + Number(seconds) - offset, offset };
}

/**
 * The chart's data from rows: xs (sorted, rows without an x left out) and one array per y column, in uPlot's
 * columnar form, plus the text each x had. xIndex null: the row number; a text x: one place per row, in row order.
 */
export function chartData(columns, rows, xIndex, yIndexes) {
  const kind = xIndex === null ? "row" : columnKind(columns[xIndex].type);
  const points = rows.map((row, i) => {
    if (kind === "row") return { x: i + 1, row, label: String(i + 1) };
    const value = row[xIndex];
    const label = value === null ? "NULL" : typeof value === "object" ? JSON.stringify(value) : String(value);
    if (kind === "other") return { x: i, row, label };
    const stamp = kind === "time" ? parseStamp(value) : null;
    return { x: kind === "time" ? stamp?.at ?? null : toNumber(value), offset: stamp?.offset ?? 0, row, label };
  }).filter((p) => p.x !== null);
  if (kind === "number" || kind === "time") points.sort((a, b) => a.x - b.x);
  return {
    kind,
    xs: points.map((p) => p.x),
    ys: yIndexes.map((index) => points.map((p) => toNumber(p.row[index]))),
    labels: points.map((p) => p.label),
    offsets: points.map((p) => p.offset ?? 0),
    dropped: rows.length - points.length,
  };
}

/** Stacked bars: each series' [bottoms, tops]; positives stack up from 0, negatives down, a NULL adds nothing. */
export function stack(series) {
  const ups = series[0]?.map(() => 0) ?? [];
  const downs = [...ups];
  return series.map((values) => {
    const bottoms = [];
    const tops = [];
    values.forEach((value, i) => {
      const base = value === null ? null : value >= 0 ? ups : downs;
      bottoms.push(base ? base[i] : null);
      if (base) base[i] += value;
      tops.push(base ? base[i] : null);
    });
    return [bottoms, tops];
  });
}

/** The smallest step between neighbouring xs (1 when there is none): the width a bar may take. */
export function columnWidth(xs) {
  let step = Infinity;
  for (let i = 1; i < xs.length; i += 1) {
    const gap = xs[i] - xs[i - 1];
    if (gap > 0 && gap < step) step = gap;
  }
  return Number.isFinite(step) ? step : 1;
}

/** The offset in force at instant ts (of the latest x at or before it): time ticks in the values' own offset. */
export function offsetAt(xs, offsets, ts) {
  let lo = 0;
  let hi = xs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (xs[mid] <= ts) lo = mid;
    else hi = mid - 1;
  }
  return offsets[lo] ?? 0;
}
