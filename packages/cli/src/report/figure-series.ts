/** One point of a curve. */
export interface SeriesPoint {
  readonly step: number;
  readonly value: number;
}

/** One curve of a figure: an arm, a vector component, or the run itself. */
export interface FigureSeries {
  readonly label: string;
  readonly points: readonly SeriesPoint[];
}

/** A line figure over steps, before it is drawn (line-figure.ts draws it). */
export interface LineFigureData {
  /** The file stem of the figure (`loss` → loss.svg, loss.png); [a-z0-9_-]. */
  readonly id: string;
  readonly title: string;
  readonly yTitle: string;
  readonly logY: boolean;
  /** Horizontal reference lines, e.g. the catapult thresholds η·λ = 2 and 4. */
  readonly rules?: readonly { readonly value: number; readonly label: string }[];
  readonly series: readonly FigureSeries[];
  /** A line under the figure in the report (what was left out, how the curve was derived). */
  readonly note?: string;
}

/** Points per series drawn at most; longer series are decimated keeping each bucket's min and max. */
export const MAX_POINTS_PER_SERIES = 2000;

/**
 * At most `max` points of a series (in step order), keeping the first and last point and, per
 * bucket of consecutive points, the lowest and the highest: spikes such as a catapult's survive.
 */
export function decimate(points: readonly SeriesPoint[], max = MAX_POINTS_PER_SERIES): SeriesPoint[] {
  if (points.length <= max) return [...points];
  const buckets = Math.max(1, Math.floor((max - 2) / 2));
  const inner = points.slice(1, -1);
  const size = inner.length / buckets;
  const kept: SeriesPoint[] = [points[0]];
  for (let b = 0; b < buckets; b++) {
    const bucket = inner.slice(Math.floor(b * size), Math.floor((b + 1) * size));
    if (bucket.length === 0) continue;
    let low = bucket[0];
    let high = bucket[0];
    for (const point of bucket) {
      if (point.value < low.value) low = point;
      if (point.value > high.value) high = point;
    }
    if (low === high) kept.push(low);
    else kept.push(...(low.step < high.step ? [low, high] : [high, low]));
  }
  kept.push(points[points.length - 1]);
  return kept;
}
