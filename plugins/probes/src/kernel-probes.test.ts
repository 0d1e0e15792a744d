import type { MetricRecord, StepEvent } from '@tdlab/core';
import { type } from 'arktype';
import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ModelRun, seededProbeContext, UvModel } from '../test/curvature-fixture.js';
import { LinearModel } from '../test/linear-fixture.js';
import { kernelAlignment, kernelAlignmentProbe } from './kernel-alignment-probe.js';
import { kernelDistanceProbe } from './kernel-distance-probe.js';
import { ntkTopKProbe } from './ntk-top-k-probe.js';
import { tangentKernelMatrix } from './tangent-kernel-matrix.js';

async function run(probe: { operator: (source: never) => unknown }, events: StepEvent[]): Promise<MetricRecord[]> {
  const out = (probe.operator as (s: ReturnType<typeof from<StepEvent[]>>) => ReturnType<typeof from<MetricRecord[]>>)(from(events));
  return lastValueFrom(out.pipe(toArray()));
}
const values = (rs: MetricRecord[], name: string) => rs.filter((r) => r.name === name).map((r) => r.value);

const linear = (x: number[][], y: number[], params: number[]) => new ModelRun({ model: new LinearModel(x[0].length), x, y, initialParams: params });
// uv model (papers.md §1a) on inputs x = (1, 2): K = x xᵀ (‖u‖² + ‖v‖²)/m, rank 1.
const uvTwoInputs = (params: number[], y = [0, 0]) => new ModelRun({ model: new UvModel(params.length / 2), x: [[1], [2]], y, initialParams: params });
const lambda = (params: number[]) => params.reduce((s, t) => s + t * t, 0) / (params.length / 2);

describe('tangentKernelMatrix', () => {
  it('is X Xᵀ for the linear model and x xᵀ λ for the uv model', () => {
    const l = linear([[1, 2], [0, 1]], [0, 0], [0.3, 0.1]).event(0).state;
    expect(Array.from(tangentKernelMatrix(l.model, l.params, l.data.train))).toEqual([5, 2, 2, 1]);
    const params = [0.5, -1, 2, 0.25];
    const u = uvTwoInputs(params).event(0).state;
    const k = tangentKernelMatrix(u.model, u.params, u.data.train);
    [1, 2, 2, 4].forEach((v, i) => expect(k[i]).toBeCloseTo(v * lambda(params), 14));
  });
});

describe('kernel-distance probe', () => {
  const probe = (maxPoints = 256, every = 1) => kernelDistanceProbe.create({ maxPoints }, seededProbeContext(every));

  it('has maxPoints = 256 by default', () => {
    expect(kernelDistanceProbe.options({})).toEqual({ maxPoints: 256 });
    expect(kernelDistanceProbe.options({ maxPoints: 0 })).toBeInstanceOf(type.errors);
  });

  it('is 0 for the linear model wherever θ goes (K = X Xᵀ is constant)', async () => {
    const r = linear([[1, 2], [0, 1], [3, -1]], [1, 0, 0], [0.3, 0.1]);
    const result = await run(probe(), [r.event(0), r.event(1, [5, -7]), r.event(2, [-1e3, 2])]);
    expect(values(result, 'kernel_distance')).toEqual([0, 0, 0]);
  });

  it('is |λ_t − λ₀|/λ₀ for the rank-one uv kernel, K₀ taken at θ₀', async () => {
    const initial = [0.5, -1, 2, 0.25];
    const later = [0.4, -0.8, 1.5, 0.3];
    const r = uvTwoInputs(initial);
    const result = await run(probe(256, 2), [r.event(0), r.event(1, later), r.event(2, later), r.event(3, initial, { outcome: 'converged' })]);
    expect(result.map((x) => x.step)).toEqual([0, 2, 3]);
    const [d0, d2, d3] = values(result, 'kernel_distance');
    expect(d0).toBe(0);
    expect(d2).toBeCloseTo(Math.abs(lambda(later) - lambda(initial)) / lambda(initial), 14);
    expect(d3).toBe(0);
  });

  it('uses only the first maxPoints rows', async () => {
    // Row 2 would change K; with maxPoints = 1 K is the 1×1 [λ x₁²] either way.
    const r = uvTwoInputs([1, 1, 1, 1]);
    const result = await run(probe(1), [r.event(0), r.event(1, [2, 1, 1, 1])]);
    expect(values(result, 'kernel_distance')[1]).toBeCloseTo((7 / 2 - 2) / 2, 14);
  });
});

describe('kernel-alignment probe', () => {
  const probe = (maxPoints = 256) => kernelAlignmentProbe.create({ maxPoints }, seededProbeContext(1));
  // Orthogonal rows of norms 1, 2, 3: K = diag(1, 4, 9), ‖K‖_F = √98.
  const diagonalX = [[1, 0, 0], [0, 2, 0], [0, 0, 3]];

  it('is yᵀKy/(‖K‖_F‖y‖²) in closed form for y = K v', async () => {
    // y = e₃ = K·(0, 0, 1/9): 9/√98. y = K·(1, 1, 1) = (1, 4, 9): (1 + 64 + 729)/(98·√98).
    const e3 = await run(probe(), [linear(diagonalX, [0, 0, 1], [1, 1, 1]).event(0)]);
    expect(values(e3, 'kernel_alignment')[0]).toBeCloseTo(9 / Math.sqrt(98), 14);
    const kv = await run(probe(), [linear(diagonalX, [1, 4, 9], [1, 1, 1]).event(0)]);
    expect(values(kv, 'kernel_alignment')[0]).toBeCloseTo(794 / (98 * Math.sqrt(98)), 14);
  });

  it('is 1 for K ∝ yyᵀ and 0 for y ⟂ range K (rank-one uv kernel x xᵀ)', async () => {
    const aligned = await run(probe(), [uvTwoInputs([0.5, -1, 2, 0.25], [-1, -2]).event(0)]);
    expect(values(aligned, 'kernel_alignment')[0]).toBeCloseTo(1, 14);
    const orthogonal = await run(probe(), [uvTwoInputs([0.5, -1, 2, 0.25], [2, -1]).event(0)]);
    expect(values(orthogonal, 'kernel_alignment')[0]).toBeCloseTo(0, 14);
  });

  it('emits nothing when y = 0, caps n at maxPoints, and matches the helper', async () => {
    expect(await run(probe(), [uvTwoInputs([1, 1, 1, 1]).event(0)])).toEqual([]);
    // First row only: K = [5], y = [1]: alignment 1 whatever the other rows are.
    const capped = await run(probe(1), [linear([[1, 2], [0, 1]], [1, 7], [0, 0]).event(0)]);
    expect(values(capped, 'kernel_alignment')).toEqual([1]);
    expect(kernelAlignment(Float64Array.from([5, 2, 2, 1]), [1, 0], 2)).toBeCloseTo(5 / Math.sqrt(34), 15);
  });
});

describe('ntk-top-k probe', () => {
  const probe = (k: number) => ntkTopKProbe.create(ntkTopKProbe.options.assert({ k }), seededProbeContext(1));

  it('has k = 3 by default', () => {
    expect(ntkTopKProbe.options({})).toEqual({ k: 3 });
    expect(ntkTopKProbe.options({ k: 1.5 })).toBeInstanceOf(type.errors);
  });

  it('K = diag(1, 4, 9), r = (1, 2, 3): eigenvalues 9, 4, overlaps 3/√14, 2/√14, rest 1/√14', async () => {
    const result = await run(probe(2), [linear([[1, 0, 0], [0, 2, 0], [0, 0, 3]], [0, 0, 0], [1, 1, 1]).event(0)]);
    expect(result.map((r) => [r.name, r.index])).toEqual([
      ['ntk_topk_eigenvalues', 0],
      ['ntk_topk_eigenvalues', 1],
      ['ntk_residual_overlap', 0],
      ['ntk_residual_overlap', 1],
      ['ntk_residual_overlap_rest', undefined],
    ]);
    const expected = [9, 4, 3 / Math.sqrt(14), 2 / Math.sqrt(14), 1 / Math.sqrt(14)];
    result.forEach((r, i) => expect(r.value).toBeCloseTo(expected[i], 12));
  });

  it('K = [[5, 2], [2, 1]]: u₁ ∝ (1, √2 − 1) for λ₁ = 3 + 2√2; overlap with r along u₁ is 1', async () => {
    const u1 = [1, Math.SQRT2 - 1];
    // θ = 0 gives f = 0, so r = −y; y = −u₁ puts r on u₁.
    const result = await run(probe(2), [linear([[1, 2], [0, 1]], u1.map((v) => -v), [0, 0]).event(0)]);
    expect(values(result, 'ntk_topk_eigenvalues')[0]).toBeCloseTo(3 + 2 * Math.SQRT2, 12);
    expect(values(result, 'ntk_topk_eigenvalues')[1]).toBeCloseTo(3 - 2 * Math.SQRT2, 12);
    const [o1, o2] = values(result, 'ntk_residual_overlap');
    expect(o1).toBeCloseTo(1, 12);
    expect(o2).toBeCloseTo(0, 12);
    expect(values(result, 'ntk_residual_overlap_rest')[0]).toBeCloseTo(0, 6);
  });

  it('caps k at n and omits the overlaps when r = 0', async () => {
    const result = await run(probe(5), [linear([[1, 0], [0, 2]], [0, 0], [0, 0]).event(0)]);
    expect(result.map((r) => [r.name, r.index, r.value])).toEqual([
      ['ntk_topk_eigenvalues', 0, expect.closeTo(4, 12)],
      ['ntk_topk_eigenvalues', 1, expect.closeTo(1, 12)],
    ]);
  });
});

describe('per-layer scope of the kernel probes (block:)', () => {
  // uv model, f(x) = m^{-1/2} Σ vᵢuᵢx: ∂f/∂uᵢ = vᵢx/√m, ∂f/∂vᵢ = uᵢx/√m, so K_u = xxᵀ‖v‖²/m,
  // K_v = xxᵀ‖u‖²/m and K = K_u + K_v (papers.md §1a).
  const params = [0.9, -0.4, 1.3, 0.2, -1.1, 0.7, 0.5, -0.8, 1.6, 0.1];
  const run = new ModelRun({ model: new UvModel(5), x: [[1], [2]], y: [0, 1], initialParams: params });

  it('tangentKernelMatrix with a block is that block’s kernel, and the blocks sum to K', () => {
    const { state } = run.event(0);
    const [u, v] = state.model.blocks;
    const ku = tangentKernelMatrix(state.model, state.params, state.data.train, undefined, u);
    const kv = tangentKernelMatrix(state.model, state.params, state.data.train, undefined, v);
    const k = tangentKernelMatrix(state.model, state.params, state.data.train);
    const norm = (xs: number[]) => xs.reduce((s, x) => s + x * x, 0) / 5;
    const xx = [1, 2, 2, 4];
    xx.forEach((c, i) => {
      expect(ku[i]).toBeCloseTo(c * norm(params.slice(5)), 13);
      expect(kv[i]).toBeCloseTo(c * norm(params.slice(0, 5)), 13);
      expect(k[i]).toBeCloseTo(ku[i] + kv[i], 13);
    });
  });

  it('kernel_distance/<block> and kernel_alignment/<block> are emitted under the block’s name', async () => {
    const distance = kernelDistanceProbe.create(kernelDistanceProbe.options.assert({ block: 'u' }), seededProbeContext(1));
    const alignment = kernelAlignmentProbe.create(kernelAlignmentProbe.options.assert({ block: 'v' }), seededProbeContext(1));
    const events = [run.event(0)];
    const d = await lastValueFrom(distance.operator(from(events)).pipe(toArray()));
    const a = await lastValueFrom(alignment.operator(from(events)).pipe(toArray()));
    expect(d.map((r) => [r.name, r.value])).toEqual([['kernel_distance/u', 0]]);
    // Rank one, K_v ∝ xxᵀ with x = (1, 2), y = (0, 1): alignment = (y·x)²/(‖x‖²‖y‖²) = 4/5.
    expect(a[0].name).toBe('kernel_alignment/v');
    expect(a[0].value).toBeCloseTo(4 / 5, 13);
  });
});

describe('per-layer scope of ntk-top-k (block:)', () => {
  it('the top eigenvalue of K_u = xxᵀ‖v‖²/m is ‖x‖²‖v‖²/m (½·Σ loss: D = I)', async () => {
    const params = [0.9, -0.4, 1.3, 0.2, -1.1, 0.7, 0.5, -0.8, 1.6, 0.1];
    const run = new ModelRun({ model: new UvModel(5), x: [[1], [2]], y: [0, 1], initialParams: params });
    const probe = ntkTopKProbe.create(ntkTopKProbe.options.assert({ k: 1, block: 'u' }), seededProbeContext(1));
    const records = await lastValueFrom(probe.operator(from([run.event(0)])).pipe(toArray()));
    const top = records.find((r) => r.name === 'ntk_topk_eigenvalues/u')!;
    const v2 = params.slice(5).reduce((s, x) => s + x * x, 0);
    expect(top.value).toBeCloseTo((5 * v2) / 5, 10);
  });
});
