// A small, dependency-free SVG line chart: axes with "nice" ticks, a legend, an optional log y-axis.
// The output is a self-contained <svg> element (no scripts, no external styles), to inline in HTML.

/** One curve: (x, y) points in x order. Non-finite points are skipped (the line is broken there). */
export interface ChartSeries {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
  /** Stroke colour; by default the palette's next colour. */
  readonly color?: string;
  /** SVG stroke-dasharray, e.g. '6 4' for a theory curve; solid when left out. */
  readonly dash?: string;
  /** Draw a small circle at each point (default false). */
  readonly markers?: boolean;
}

export interface ChartOptions {
  readonly title: string;
  readonly xLabel?: string;
  readonly yLabel?: string;
  /**
   * A log₁₀ y-axis. Points with y ≤ 0 cannot be drawn on it: they are skipped (the line is broken
   * there, as for non-finite values) and the legend says how many of the series' points were left
   * out, e.g. "w change, α = 1 (1 point ≤ 0 not shown)". A chart with no positive y at all says so.
   */
  readonly logY?: boolean;
  /** The y-range, overriding the data's (on a log axis both must be > 0). */
  readonly yMin?: number;
  readonly yMax?: number;
  /** Overall size in px (default 760 × 360, legend included). */
  readonly width?: number;
  readonly height?: number;
}

export const palette = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];

const MARGIN = { top: 34, right: 230, bottom: 46, left: 64 };

/** Escapes text for SVG/HTML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** A short tick label: 0.0001 → 1e-4, 12000 → 1.2e+4, 0.25 → 0.25. */
export function formatTick(value: number): string {
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e4 || magnitude < 1e-3) return value.toExponential(0).replace('e+', 'e');
  return String(Number(value.toPrecision(4)));
}

/** About `count` evenly spaced round ticks (steps of 1, 2 or 5 × 10^k) covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(Number.isFinite(min) && Number.isFinite(max))) throw new RangeError(`niceTicks: the range [${min}, ${max}] is not finite`);
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    return niceTicks(min - pad, max + pad, count);
  }
  const raw = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw)!;
  const first = Math.floor(min / step + 1e-9) * step;
  const ticks: number[] = [];
  for (let tick = first; tick <= max + step * (1 - 1e-9); tick += step) ticks.push(Math.abs(tick) < step * 1e-9 ? 0 : Number(tick.toPrecision(12)));
  return ticks;
}

/** Ticks of a log axis covering [min, max] (both > 0): the powers of 10, with 2 and 5 between when the range spans at most 2 decades. */
export function logTicks(min: number, max: number): number[] {
  if (!(min > 0 && max > 0 && Number.isFinite(min) && Number.isFinite(max))) throw new RangeError(`logTicks: the range [${min}, ${max}] must be positive and finite`);
  const low = Math.floor(Math.log10(min) + 1e-9);
  let high = Math.ceil(Math.log10(max) - 1e-9);
  if (high === low) high = low + 1;
  const multiples = high - low <= 2 ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let k = low; k <= high; k++) for (const m of multiples) if (k < high || m === 1) ticks.push(Number((m * 10 ** k).toPrecision(12)));
  return ticks;
}

/** Renders the series as an SVG line chart (see ChartOptions for the log-axis rule). */
export function lineChart(series: readonly ChartSeries[], options: ChartOptions): string {
  const width = options.width ?? 760;
  const height = options.height ?? 360;
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const logY = options.logY === true;
  if (logY && ((options.yMin !== undefined && !(options.yMin > 0)) || (options.yMax !== undefined && !(options.yMax > 0)))) {
    throw new RangeError(`lineChart "${options.title}": a log y-axis needs yMin and yMax > 0 (was ${options.yMin}, ${options.yMax})`);
  }

  // The points each series can draw, and how many it had to leave out on a log axis.
  const drawable = series.map((s) => s.points.map(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!logY || y > 0)));
  const dropped = series.map((s, i) => s.points.filter(([x, y], j) => Number.isFinite(x) && Number.isFinite(y) && !drawable[i][j]).length);
  const xs: number[] = [];
  const ys: number[] = [];
  series.forEach((s, i) =>
    s.points.forEach(([x, y], j) => {
      if (!drawable[i][j]) return;
      xs.push(x);
      ys.push(y);
    }),
  );

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11" role="img" aria-label="${escapeXml(options.title)}">`,
  );
  parts.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#fff"/>`);
  parts.push(`<text x="${MARGIN.left + plotW / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(options.title)}</text>`);

  if (xs.length === 0) {
    const why = logY ? 'no positive values to draw on a log axis' : 'no data';
    parts.push(`<text class="empty" x="${MARGIN.left + plotW / 2}" y="${MARGIN.top + plotH / 2}" text-anchor="middle" fill="#888">${why}</text></svg>`);
    return parts.join('\n');
  }

  const xTicks = niceTicks(Math.min(...xs), Math.max(...xs));
  const xMin = xTicks[0];
  const xMax = xTicks.at(-1)!;
  const dataMin = options.yMin ?? Math.min(...ys);
  const dataMax = options.yMax ?? Math.max(...ys);
  const yTicks = logY ? logTicks(dataMin, dataMax) : niceTicks(dataMin, dataMax);
  const yMin = yTicks[0];
  const yMax = yTicks.at(-1)!;
  const px = (x: number): number => MARGIN.left + ((x - xMin) / (xMax - xMin)) * plotW;
  const py = logY
    ? (y: number): number => MARGIN.top + plotH - ((Math.log10(y) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * plotH
    : (y: number): number => MARGIN.top + plotH - ((y - yMin) / (yMax - yMin)) * plotH;
  const r = (v: number): string => v.toFixed(1);

  // Grid, ticks and tick labels.
  const bottom = MARGIN.top + plotH;
  for (const tick of xTicks) {
    const x = r(px(tick));
    parts.push(`<line x1="${x}" y1="${MARGIN.top}" x2="${x}" y2="${bottom}" stroke="#eee"/>`);
    parts.push(`<line x1="${x}" y1="${bottom}" x2="${x}" y2="${bottom + 5}" stroke="#333"/>`);
    parts.push(`<text class="x-tick" x="${x}" y="${bottom + 17}" text-anchor="middle">${formatTick(tick)}</text>`);
  }
  for (const tick of yTicks) {
    const y = r(py(tick));
    parts.push(`<line x1="${MARGIN.left}" y1="${y}" x2="${MARGIN.left + plotW}" y2="${y}" stroke="#eee"/>`);
    parts.push(`<line x1="${MARGIN.left - 5}" y1="${y}" x2="${MARGIN.left}" y2="${y}" stroke="#333"/>`);
    parts.push(`<text class="y-tick" x="${MARGIN.left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle">${formatTick(tick)}</text>`);
  }
  parts.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`);
  if (options.xLabel) parts.push(`<text x="${MARGIN.left + plotW / 2}" y="${height - 8}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`);
  if (options.yLabel || logY) {
    const label = `${options.yLabel ?? ''}${logY ? ' (log scale)' : ''}`.trim();
    parts.push(`<text x="14" y="${MARGIN.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 14 ${MARGIN.top + plotH / 2})">${escapeXml(label)}</text>`);
  }

  // The curves, clipped to the plot area (a user-given y-range may cut them).
  const clip = `clip-${Math.abs(hash(options.title + series.map((s) => s.name).join('|')))}`;
  parts.push(`<clipPath id="${clip}"><rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}"/></clipPath>`);
  series.forEach((s, i) => {
    const color = s.color ?? palette[i % palette.length];
    let d = '';
    let pen = false;
    s.points.forEach(([x, y], j) => {
      if (!drawable[i][j]) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${r(px(x))},${r(py(y))}`;
      pen = true;
    });
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    if (d !== '') {
      parts.push(`<path class="series" data-series="${escapeXml(s.name)}" d="${d}" fill="none" stroke="${color}" stroke-width="1.8"${dash} clip-path="url(#${clip})"/>`);
    }
    if (s.markers) {
      s.points.forEach(([x, y], j) => {
        if (drawable[i][j]) parts.push(`<circle cx="${r(px(x))}" cy="${r(py(y))}" r="2.2" fill="${color}" clip-path="url(#${clip})"/>`);
      });
    }
  });

  // The legend, right of the plot.
  const legendX = MARGIN.left + plotW + 14;
  series.forEach((s, i) => {
    const color = s.color ?? palette[i % palette.length];
    const y = MARGIN.top + 8 + i * 18;
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    const note = dropped[i] > 0 ? ` (${dropped[i]} point${dropped[i] === 1 ? '' : 's'} ≤ 0 not shown)` : '';
    parts.push(`<line x1="${legendX}" y1="${y}" x2="${legendX + 22}" y2="${y}" stroke="${color}" stroke-width="2"${dash}/>`);
    parts.push(`<text class="legend" x="${legendX + 28}" y="${y}" dominant-baseline="middle">${escapeXml(s.name + note)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** A small string hash, for ids unique within one page. */
function hash(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
  return h;
}
