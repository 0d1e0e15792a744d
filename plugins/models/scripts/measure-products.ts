/*
 * Where the time goes in the models' products: wall time per call of forward, jvp, vjp, hvp and
 * secondDirectional (cold: θ moved since the last call, as after an optimizer step; warm: same θ
 * and X as the previous call, e.g. vjp right after forward), linearize and the linearized jvp/vjp,
 * one NTK product (vjp then jvp, as in a Lanczos step), one GD step's model work (forward then vjp
 * at the same θ), and the pre-activation gemm alone. A measurement aid, not a test.
 *
 *   node --expose-gc --conditions=@tdlab/source --import tsx plugins/models/scripts/measure-products.ts [catapult|w2 …]
 *   BASELINE=<dir holding another two-layer-model.ts and uv-model.ts> …   (adds a column for those)
 *
 * Shapes: "catapult" (d = 10, m = 1024, n = 16) and "w2" (d = 64, m = 4096, n = 512, the issue's
 * W2/W3); both by default. PRECISION=float32 for float32 parameters, inputs and scratch.
 *
 * The machine is shared, so each figure is the best of several timed batches (contention only adds
 * time), and with BASELINE the two implementations are timed alternately, batch by batch, so that
 * both columns see the same load.
 */
import type { DifferentiableModel } from '@tdlab/core';
import { allocate, gemm, type Precision, Rng } from '@tdlab/tensor';
import { TwoLayerModel } from '../src/two-layer-model.js';
import { UvModel } from '../src/uv-model.js';

interface Implementation {
  TwoLayerModel: typeof TwoLayerModel;
  UvModel: typeof UvModel;
}
const current: Implementation = { TwoLayerModel, UvModel };
const baselineDir = process.env.BASELINE;
const baseline: Implementation | undefined = baselineDir
  ? { ...(await import(`${baselineDir}/two-layer-model.ts`)), ...(await import(`${baselineDir}/uv-model.ts`)) }
  : undefined;

const shapes: Record<string, Shape> = {
  catapult: { d: 10, m: 1024, n: 16 },
  w2: { d: 64, m: 4096, n: 512 },
};
interface Shape {
  d: number;
  m: number;
  n: number;
}
const precision = (process.env.PRECISION ?? 'float64') as Precision;

/** The timed bodies for one model, by row name (undefined: the model has no such product). */
function bodies(model: DifferentiableModel, { d, m, n }: Shape): Map<string, () => void> {
  const rng = new Rng(1);
  const p = model.parameterCount;
  const params = allocate(precision, p);
  model.initialize(rng, params);
  const x = allocate(precision, n * d);
  rng.fillNormal(x);
  const inputs = { x, n };
  const tangent = allocate(precision, p);
  rng.fillNormal(tangent);
  const g = allocate(precision, n);
  rng.fillNormal(g);
  const outN = allocate(precision, n);
  const outP = allocate(precision, p);
  const z = allocate(precision, n * m);
  let flip = 1;
  const move = (): void => {
    params[0] += flip * 1e-9;
    flip = -flip;
  };
  const rows = new Map<string, () => void>();
  rows.set('gemm Z = XUᵀ alone', () => gemm(false, true, n, m, d, 1, x, params, 0, z));
  const products: [string, () => void][] = [
    ['forward', () => model.forward(params, inputs, outN)],
    ['jvp', () => model.jvp(params, inputs, tangent, outN)],
    ['vjp', () => model.vjp(params, inputs, g, outP)],
    ['hvp', () => model.hvp(params, inputs, g, tangent, outP)],
    ['secondDirectional', () => model.secondDirectional(params, inputs, tangent, outN)],
  ];
  for (const [name, body] of products) {
    rows.set(`${name} (cold)`, () => (move(), body()));
    rows.set(`${name} (warm)`, body);
  }
  rows.set('GD step: forward + vjp', () => {
    move();
    model.forward(params, inputs, outN);
    model.vjp(params, inputs, outN, outP);
  });
  rows.set('NTK product: vjp + jvp', () => {
    model.vjp(params, inputs, g, outP);
    model.jvp(params, inputs, outP, outN);
  });
  if (model.linearize) {
    const linearize = model.linearize.bind(model);
    rows.set('linearize (warm)', () => linearize(params, inputs));
    const linear = linearize(params, inputs);
    rows.set('linearized jvp', () => linear.jvp(tangent, outN));
    rows.set('linearized vjp', () => linear.vjp(g, outP));
    rows.set('linearized NTK product', () => {
      linear.vjp(g, outP);
      linear.jvp(outP, outN);
    });
  }
  return rows;
}

/** Calls per timed batch so that a batch takes ≥ ~20 ms. */
function batchSize(body: () => void): number {
  let calls = 1;
  for (;;) {
    const start = performance.now();
    for (let i = 0; i < calls; i++) body();
    if (performance.now() - start > 20 || calls > 1e6) return calls;
    calls *= 2;
  }
}

/** Best ms per call of each body, timing them alternately batch by batch. */
function timeAlternately(list: (() => void)[]): number[] {
  const calls = list.map(batchSize);
  const best = list.map(() => Infinity);
  const slow = calls[0] === 1;
  for (let rep = 0; rep < (slow ? 5 : 9); rep++) {
    list.forEach((body, j) => {
      const start = performance.now();
      for (let i = 0; i < calls[j]; i++) body();
      best[j] = Math.min(best[j], (performance.now() - start) / calls[j]);
    });
  }
  return best;
}

const format = (ms: number | undefined): string =>
  (ms === undefined ? '—' : ms < 1 ? ms.toFixed(4) : ms < 100 ? ms.toFixed(2) : ms.toFixed(1)).padStart(9);

function report(label: string, make: (impl: Implementation) => DifferentiableModel, shape: Shape): void {
  const implementations = baseline ? [baseline, current] : [current];
  const tables = implementations.map((impl) => bodies(make(impl), shape));
  const names = [...tables[tables.length - 1].keys()];
  console.log(`\n${label}  d=${shape.d} m=${shape.m} n=${shape.n} ${precision}  (ms per call${baseline ? ': baseline, current, ratio' : ''})`);
  for (const name of names) {
    const present = tables.map((table) => table.get(name));
    const times = timeAlternately(present.filter((body): body is () => void => body !== undefined));
    const columns = present.map((body) => (body ? times.shift() : undefined));
    const ratio = columns.length === 2 && columns[0] !== undefined ? `  ${((columns[1] ?? 0) / columns[0]).toFixed(2)}×` : '';
    console.log(`  ${name.padEnd(26)}${columns.map(format).join('')}${ratio}`);
  }
  // Allocation check (current implementation): heap growth per call of every product after a
  // warm-up, with --expose-gc for a clean baseline. Note that gemm's own allocations count too.
  const latest = tables[tables.length - 1];
  const iterations = shape.n * shape.m > 1e5 ? 3 : 2000;
  const all = (): void => {
    for (let i = 0; i < iterations; i++) for (const body of latest.values()) body();
  };
  all();
  (globalThis as { gc?: () => void }).gc?.();
  const before = process.memoryUsage().heapUsed;
  all();
  const perCall = (process.memoryUsage().heapUsed - before) / (iterations * latest.size);
  console.log(`  heap growth per call (all rows, current): ${perCall.toFixed(0)} B`);
}

const selected = process.argv.slice(2);
for (const key of selected.length ? selected : Object.keys(shapes)) {
  const shape = shapes[key];
  const { d: inputDim, m: width } = shape;
  report('two-layer relu', (impl) => new impl.TwoLayerModel({ width, inputDim, precision }), shape);
  if (key === 'catapult') {
    report('two-layer tanh', (impl) => new impl.TwoLayerModel({ width, inputDim, activation: 'tanh', precision }), shape);
    report('uv', (impl) => new impl.UvModel({ width, inputDim, precision }), shape);
  }
}
