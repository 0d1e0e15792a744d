import type { MetricRecord } from '@tdlab/core';
import type { FigureSeries, LineFigureData, SeriesPoint } from './figure-series.js';

/** Components of a vector metric (records with `index`) drawn per arm at most: the first ones. */
export const MAX_VECTOR_COMPONENTS = 8;

/** The catapult thresholds on η·λ (papers.md §1a): lazy below 2, catapult between, divergence from 4. */
export const CATAPULT_RULES = [
  { value: 2, label: 'η·λ = 2' },
  { value: 4, label: 'η·λ = 4' },
] as const;

/**
 * The figures of a run, from its metric records, in this order:
 * - `loss` — the loss over steps, log y;
 * - `normalized-lr` — η·λ_t: the `normalized_lr` metric, or `lr` × `ntk_lambda` at the same step
 *   and arm when it is absent; dashed rules at 2 and 4;
 * - `weight-norm` — `weight_norm_ratio` = ‖θ_t‖²/‖θ₀‖²;
 * - one `metric-<name>` figure per other metric, in order of first appearance (log y when all
 *   values are positive and span three decades or more).
 * Arms are separate series; a vector metric (records with `index`) has a line per component, the
 * first {@link MAX_VECTOR_COMPONENTS} per arm. A figure is left out when its metric is absent.
 */
export function runFigures(records: readonly MetricRecord[], options: { lossConvention?: string } = {}): LineFigureData[] {
  const byName = new Map<string, MetricRecord[]>();
  for (const record of records) {
    const list = byName.get(record.name);
    if (list) list.push(record);
    else byName.set(record.name, [record]);
  }
  const figures: LineFigureData[] = [];
  const used = new Set<string>();
  const loss = byName.get('loss');
  if (loss) {
    used.add('loss');
    figures.push({
      id: 'loss',
      title: 'Loss',
      yTitle: options.lossConvention ? `loss  ${options.lossConvention}` : 'loss',
      logY: true,
      ...seriesOf(loss),
    });
  }
  const normalized = byName.get('normalized_lr');
  const lr = byName.get('lr');
  const lambda = byName.get('ntk_lambda');
  if (normalized) {
    used.add('normalized_lr');
    figures.push({ id: 'normalized-lr', title: 'η·λ_t (normalized learning rate)', yTitle: 'η·λ_t', logY: false, rules: CATAPULT_RULES, ...seriesOf(normalized) });
  } else if (lr && lambda) {
    const product = productByStep(lr, lambda);
    if (product.length > 0) {
      const { series, note } = seriesOf(product);
      figures.push({
        id: 'normalized-lr',
        title: 'η·λ_t (normalized learning rate)',
        yTitle: 'η·λ_t',
        logY: false,
        rules: CATAPULT_RULES,
        series,
        note: ['computed as lr × ntk_lambda', note].filter(Boolean).join('; '),
      });
    }
  }
  const weightNorm = byName.get('weight_norm_ratio');
  if (weightNorm) {
    used.add('weight_norm_ratio');
    figures.push({ id: 'weight-norm', title: 'Weight norm ‖θ_t‖² / ‖θ₀‖²', yTitle: 'weight_norm_ratio', logY: false, ...seriesOf(weightNorm) });
  }
  const ids = new Set(figures.map((figure) => figure.id));
  for (const [name, list] of byName) {
    if (used.has(name)) continue;
    let id = `metric-${name.toLowerCase().replace(/[^a-z0-9_-]+/g, '-')}`;
    for (let n = 2; ids.has(id); n++) id = `${id}-${n}`;
    ids.add(id);
    figures.push({ id, title: name, yTitle: name, logY: wantsLogScale(list), ...seriesOf(list) });
  }
  return figures;
}

/** The series of one metric: one per arm (and per vector component), points in step order. */
function seriesOf(records: readonly MetricRecord[]): { series: FigureSeries[]; note?: string } {
  const groups = new Map<string, { arm?: string; index?: number; points: SeriesPoint[] }>();
  for (const record of records) {
    const key = `${record.arm ?? ''}\u0000${record.index ?? ''}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { arm: record.arm, index: record.index, points: [] }));
    group.points.push({ step: record.step, value: record.value });
  }
  const perArm = new Map<string, number[]>();
  for (const group of groups.values()) {
    if (group.index === undefined) continue;
    const arm = group.arm ?? '';
    perArm.set(arm, [...(perArm.get(arm) ?? []), group.index]);
  }
  const keptIndices = new Map<string, Set<number>>();
  let dropped = 0;
  for (const [arm, indices] of perArm) {
    const sorted = [...new Set(indices)].sort((a, b) => a - b);
    keptIndices.set(arm, new Set(sorted.slice(0, MAX_VECTOR_COMPONENTS)));
    dropped += Math.max(0, sorted.length - MAX_VECTOR_COMPONENTS);
  }
  const series: FigureSeries[] = [];
  for (const group of groups.values()) {
    if (group.index !== undefined && !keptIndices.get(group.arm ?? '')?.has(group.index)) continue;
    const label = [group.arm, group.index === undefined ? undefined : `[${group.index}]`].filter((part) => part !== undefined).join(' ') || 'run';
    series.push({ label, points: group.points.sort((a, b) => a.step - b.step) });
  }
  return dropped > 0 ? { series, note: `vector metric: the first ${MAX_VECTOR_COMPONENTS} components of each arm drawn, ${dropped} left out` } : { series };
}

/** lr × ntk_lambda for each (arm, step) where both were measured. */
function productByStep(lr: readonly MetricRecord[], lambda: readonly MetricRecord[]): MetricRecord[] {
  const rates = new Map(lr.filter((record) => record.index === undefined).map((record) => [`${record.arm ?? ''}\u0000${record.step}`, record.value]));
  const product: MetricRecord[] = [];
  for (const record of lambda) {
    if (record.index !== undefined) continue;
    const rate = rates.get(`${record.arm ?? ''}\u0000${record.step}`);
    if (rate !== undefined) product.push({ ...record, name: 'normalized_lr', value: rate * record.value });
  }
  return product;
}

/** Log scale when every finite value is positive and they span at least three decades. */
function wantsLogScale(records: readonly MetricRecord[]): boolean {
  const finite = records.map((record) => record.value).filter(Number.isFinite);
  if (finite.length === 0 || finite.some((value) => value <= 0)) return false;
  const high = finite.reduce((a, b) => Math.max(a, b));
  const low = finite.reduce((a, b) => Math.min(a, b));
  return high / low >= 1e3;
}
