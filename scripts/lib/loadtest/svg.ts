/**
 * Small hand-written SVG charts for the load test report: no browser, no chart library.
 * Horizontal bars (throughput), grouped horizontal bars (latency percentiles) and a
 * stacked area over time with event markers (the chaos run).
 */

const FONT = `font-family="system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif"`;
export const PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];

const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const r1 = (n: number): string => (Math.round(n * 10) / 10).toString();

/** A "nice" axis maximum and step (1, 2, 2.5 or 5 × 10^k) with about `ticks` steps. */
export function niceScale(max: number, ticks = 5): { max: number; step: number } {
  if (!(max > 0)) return { max: 1, step: 0.2 };
  const raw = max / ticks;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * pow >= raw) ?? 10) * pow;
  return { max: Math.ceil(max / step) * step, step };
}

function fmt(n: number): string {
  if (n >= 10_000) return `${Math.round(n / 1_000)}k`;
  if (n >= 1_000) return `${r1(n / 1_000)}k`;
  if (n >= 10) return Math.round(n).toString();
  return Number(n.toFixed(2)).toString();
}

function frame(width: number, height: number, title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="600" fill="#222">${esc(title)}</text>`,
    ...body,
    `</svg>`,
    "",
  ].join("\n");
}

function xAxis(x0: number, width: number, y0: number, y1: number, scale: { max: number; step: number }, unit: string): string[] {
  const out: string[] = [];
  for (let v = 0; v <= scale.max + scale.step / 2; v += scale.step) {
    const x = x0 + (v / scale.max) * width;
    out.push(`<line x1="${r1(x)}" y1="${y0}" x2="${r1(x)}" y2="${y1}" stroke="#e4e4e4"/>`);
    out.push(`<text x="${r1(x)}" y="${y1 + 16}" text-anchor="middle" fill="#555">${fmt(v)}</text>`);
  }
  out.push(`<text x="${x0 + width / 2}" y="${y1 + 34}" text-anchor="middle" fill="#555">${esc(unit)}</text>`);
  return out;
}

export interface Bar {
  readonly label: string;
  readonly value: number;
  /** Shown after the value, e.g. "71% of pass-through". */
  readonly note?: string;
  readonly color?: string;
}

/** One horizontal bar per item. */
export function barChart(title: string, unit: string, bars: readonly Bar[]): string {
  const left = 150,
    right = 190,
    top = 40,
    barH = 22,
    gap = 10;
  const width = 760;
  const plotW = width - left - right;
  const height = top + bars.length * (barH + gap) + 50;
  const scale = niceScale(Math.max(...bars.map((b) => b.value), 0));
  const y1 = top + bars.length * (barH + gap);
  const body = xAxis(left, plotW, top - 4, y1, scale, unit);
  bars.forEach((b, i) => {
    const y = top + i * (barH + gap);
    const w = Math.max(0, (b.value / scale.max) * plotW);
    body.push(`<text x="${left - 8}" y="${y + barH / 2 + 4}" text-anchor="end" fill="#222">${esc(b.label)}</text>`);
    body.push(`<rect x="${left}" y="${y}" width="${r1(w)}" height="${barH}" fill="${b.color ?? PALETTE[0]}"/>`);
    body.push(
      `<text x="${r1(left + w + 6)}" y="${y + barH / 2 + 4}" fill="#222">${esc(fmt(b.value))}${b.note === undefined ? "" : ` <tspan fill="#777">${esc(b.note)}</tspan>`}</text>`,
    );
  });
  return frame(width, height, title, body);
}

export interface BarGroup {
  readonly label: string;
  readonly values: readonly number[];
}

/** Groups of horizontal bars (one per series) sharing one axis, with a legend. */
export function groupedBarChart(title: string, unit: string, series: readonly string[], groups: readonly BarGroup[]): string {
  const left = 150,
    right = 60,
    top = 58,
    barH = 11,
    inner = 2,
    gap = 12;
  const width = 760;
  const plotW = width - left - right;
  const groupH = series.length * (barH + inner) - inner;
  const height = top + groups.length * (groupH + gap) + 50;
  const scale = niceScale(Math.max(...groups.flatMap((g) => g.values), 0));
  const y1 = top + groups.length * (groupH + gap);
  const body = xAxis(left, plotW, top - 4, y1, scale, unit);
  series.forEach((s, i) => {
    const x = left + i * 90;
    body.push(`<rect x="${x}" y="32" width="12" height="12" fill="${PALETTE[i % PALETTE.length]}"/>`);
    body.push(`<text x="${x + 17}" y="42" fill="#222">${esc(s)}</text>`);
  });
  groups.forEach((g, gi) => {
    const y = top + gi * (groupH + gap);
    body.push(`<text x="${left - 8}" y="${y + groupH / 2 + 4}" text-anchor="end" fill="#222">${esc(g.label)}</text>`);
    g.values.forEach((v, si) => {
      const w = Math.max(0, (v / scale.max) * plotW);
      const yy = y + si * (barH + inner);
      body.push(`<rect x="${left}" y="${yy}" width="${r1(w)}" height="${barH}" fill="${PALETTE[si % PALETTE.length]}"/>`);
      body.push(`<text x="${r1(left + w + 4)}" y="${yy + barH - 1}" font-size="10" fill="#444">${esc(fmt(v))}</text>`);
    });
  });
  return frame(width, height, title, body);
}

export interface Marker {
  readonly atMs: number;
  readonly label: string;
}

export interface Line {
  readonly label: string;
  readonly color: string;
  /** [ms, value] points, on the same y axis as the areas. */
  readonly points: readonly (readonly [number, number])[];
  readonly dashed?: boolean;
}

/**
 * Stacked areas over time (one per series, values per bucket), lines on the same axis,
 * and vertical markers.
 */
export function stackedAreaChart(
  title: string,
  yUnit: string,
  bucketMs: number,
  series: readonly { label: string; values: readonly number[] }[],
  lines: readonly Line[],
  markers: readonly Marker[],
): string {
  const left = 60,
    right = 20,
    top = 58,
    plotH = 260;
  const width = 820;
  const plotW = width - left - right;
  const height = top + plotH + 50;
  const n = Math.max(...series.map((s) => s.values.length), 1);
  const totalMs = n * bucketMs;
  const stacks = Array.from({ length: n }, (_, i) => series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  const scale = niceScale(Math.max(...stacks, ...lines.flatMap((l) => l.points.map((p) => p[1])), 0));
  const x = (ms: number) => left + (Math.min(Math.max(ms, 0), totalMs) / totalMs) * plotW;
  const y = (v: number) => top + plotH - (v / scale.max) * plotH;
  const body: string[] = [];
  for (let v = 0; v <= scale.max + scale.step / 2; v += scale.step) {
    body.push(`<line x1="${left}" y1="${r1(y(v))}" x2="${left + plotW}" y2="${r1(y(v))}" stroke="#e4e4e4"/>`);
    body.push(`<text x="${left - 6}" y="${r1(y(v) + 4)}" text-anchor="end" fill="#555">${fmt(v)}</text>`);
  }
  const secStep = niceScale(totalMs / 1_000, 10).step;
  for (let s = 0; s * 1_000 <= totalMs; s += secStep) {
    body.push(`<text x="${r1(x(s * 1_000))}" y="${top + plotH + 16}" text-anchor="middle" fill="#555">${fmt(s)}</text>`);
  }
  body.push(`<text x="${left + plotW / 2}" y="${top + plotH + 34}" text-anchor="middle" fill="#555">seconds into the run</text>`);
  body.push(
    `<text x="14" y="${top + plotH / 2}" text-anchor="middle" fill="#555" transform="rotate(-90 14 ${top + plotH / 2})">${esc(yUnit)}</text>`,
  );
  // Areas, bottom series first; each bucket's value is drawn over its whole width (step area).
  const base = new Array<number>(n).fill(0);
  series.forEach((s, si) => {
    const upper: string[] = [];
    const lower: string[] = [];
    for (let i = 0; i < n; i++) {
      const lo = base[i] ?? 0;
      const hi = lo + (s.values[i] ?? 0);
      upper.push(`${r1(x(i * bucketMs))},${r1(y(hi))}`, `${r1(x((i + 1) * bucketMs))},${r1(y(hi))}`);
      lower.push(`${r1(x(i * bucketMs))},${r1(y(lo))}`, `${r1(x((i + 1) * bucketMs))},${r1(y(lo))}`);
      base[i] = hi;
    }
    body.push(
      `<polygon points="${[...upper, ...lower.reverse()].join(" ")}" fill="${PALETTE[si % PALETTE.length]}" fill-opacity="0.85" stroke="none"/>`,
    );
  });
  for (const line of lines) {
    if (line.points.length === 0) continue;
    const d = line.points.map(([ms, v], i) => `${i === 0 ? "M" : "L"}${r1(x(ms))},${r1(y(v))}`).join(" ");
    body.push(
      `<path d="${d}" fill="none" stroke="${line.color}" stroke-width="2"${line.dashed === true ? ` stroke-dasharray="5,3"` : ""}/>`,
    );
  }
  for (const m of markers) {
    if (!Number.isFinite(m.atMs)) continue;
    body.push(
      `<line x1="${r1(x(m.atMs))}" y1="${top}" x2="${r1(x(m.atMs))}" y2="${top + plotH}" stroke="#222" stroke-width="1.5" stroke-dasharray="4,3"/>`,
    );
    body.push(`<text x="${r1(x(m.atMs) + 4)}" y="${top + 12}" fill="#222" font-weight="600">${esc(m.label)}</text>`);
  }
  body.push(`<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#bbb"/>`);
  const legend = [
    ...series.map((s, i) => ({ label: s.label, color: PALETTE[i % PALETTE.length] ?? "#000", line: false })),
    ...lines.map((l) => ({ label: l.label, color: l.color, line: true })),
  ];
  let lx = left;
  for (const item of legend) {
    body.push(
      item.line
        ? `<line x1="${lx}" y1="38" x2="${lx + 14}" y2="38" stroke="${item.color}" stroke-width="2"/>`
        : `<rect x="${lx}" y="32" width="12" height="12" fill="${item.color}"/>`,
    );
    body.push(`<text x="${lx + 18}" y="42" fill="#222">${esc(item.label)}</text>`);
    lx += 30 + item.label.length * 6.5;
  }
  return frame(width, height, title, body);
}
