import { MeanSquaredError, type MetricRecord, type StepEvent } from '@tdlab/core';
import { symmetricEigen } from '@tdlab/tensor';
import { type } from 'arktype';
import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { denseFromOperator, ModelRun, seededProbeContext, UvModel, uvLossHessian } from '../test/curvature-fixture.js';
import { LinearModel } from '../test/linear-fixture.js';
import { hessianTopEigenvalueProbe } from './hessian-top-eigenvalue-probe.js';
import { hessianTraceProbe } from './hessian-trace-probe.js';
import { LossHessian } from './loss-hessian.js';

type Options<P> = P extends { options: (input: never) => infer O } ? Exclude<O, type.errors> : never;

async function records(probe: { operator: (s: ReturnType<typeof from<StepEvent[]>>) => unknown }, events: StepEvent[]): Promise<MetricRecord[]> {
  return lastValueFrom((probe.operator(from(events)) as ReturnType<typeof from<MetricRecord[]>>).pipe(toArray()));
}
const values = (rs: MetricRecord[], name: string) => rs.filter((r) => r.name === name).map((r) => r.value);

function sharpness(options: Partial<Options<typeof hessianTopEigenvalueProbe>>, events: StepEvent[], every = 1) {
  return records(hessianTopEigenvalueProbe.create(hessianTopEigenvalueProbe.options.assert(options), seededProbeContext(every)), events);
}
function trace(options: Partial<Options<typeof hessianTraceProbe>>, events: StepEvent[], seed = 0) {
  return records(hessianTraceProbe.create(hessianTraceProbe.options.assert(options), seededProbeContext(1, seed)), events);
}

// X = [[1, 2], [0, 1]]: under ½·Σ, H_L = XᵀX = [[1, 2], [2, 5]] for every θ, eigenvalues 3 ± 2√2, trace 6.
const linear = (loss?: MeanSquaredError) =>
  new ModelRun({ model: new LinearModel(2), x: [[1, 2], [0, 1]], y: [0.5, -1], initialParams: [0.3, -0.7], ...(loss ? { loss } : {}) });
// Orthogonal rows: H_L = diag(1, 4, 9).
const diagonal = new ModelRun({ model: new LinearModel(3), x: [[1, 0, 0], [0, 2, 0], [0, 0, 3]], y: [1, 0, -1], initialParams: [1, 1, 1] });
// uv model, width m, one sample (x, y) = (1, 0), loss ½f² (papers.md §1a).
const uvParams = [0.9, -0.4, 1.3, 0.2, -1.1, 0.7, 0.5, -0.8, 1.6, 0.1];
const uv = (params: readonly number[]) => new ModelRun({ model: new UvModel(params.length / 2), x: [[1]], y: [0], initialParams: params });

describe('LossHessian', () => {
  it('is Xᵀ D X for the linear model (H_L = Jᵀ D J, no functional term)', () => {
    for (const [loss, d] of [[new MeanSquaredError('sum', true), 1], [new MeanSquaredError('mean', true), 0.5], [new MeanSquaredError('mean', false), 1]] as const) {
      const event = linear(loss).event(0);
      const { state } = event;
      const h = new LossHessian(state.model, state.loss, state.data.train).at(state.params, state.outputs);
      expect(Array.from(denseFromOperator(h.apply, 2))).toEqual([1, 2, 2, 5].map((v) => v * d));
    }
  });

  it('is x² g gᵀ + (f − y) x m^{-1/2}[[0, I], [I, 0]] for the uv model (p = 10), formed independently', () => {
    const { state } = uv(uvParams).event(0);
    const h = new LossHessian(state.model, state.loss, state.data.train).at(state.params, state.outputs);
    const dense = denseFromOperator(h.apply, 10);
    const expected = uvLossHessian(uvParams, 1, 0);
    dense.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 14));
  });
});

describe('hessian-top-eigenvalue probe', () => {
  it('has k = 1, maxIterations = 64 by default and rejects a k that is not a positive integer', () => {
    expect(hessianTopEigenvalueProbe.options({})).toEqual({ k: 1, maxIterations: 64 });
    expect(hessianTopEigenvalueProbe.options({ k: 0 })).toBeInstanceOf(type.errors);
    expect(hessianTopEigenvalueProbe.options.onUndeclaredKey('reject')({ every: 2 })).toBeInstanceOf(type.errors);
  });

  it('gives 3 ± 2√2 for H_L = XᵀX under ½·Σ, and half of it under ½·mean', async () => {
    const sum = await sharpness({ k: 2 }, [linear().event(0)]);
    expect(sum.map((r) => [r.name, r.index])).toEqual([['sharpness', undefined], ['hessian_eigenvalues', 0], ['hessian_eigenvalues', 1]]);
    expect(sum[0].value).toBeCloseTo(3 + 2 * Math.SQRT2, 12);
    expect(sum[2].value).toBeCloseTo(3 - 2 * Math.SQRT2, 12);
    const mean = await sharpness({}, [linear(new MeanSquaredError('mean', true)).event(0)]);
    expect(mean).toHaveLength(1);
    expect(mean[0].value).toBeCloseTo((3 + 2 * Math.SQRT2) / 2, 12);
  });

  it('gives the uv closed form for m = 1: H = [[v², 2uv], [2uv, u²]], λ = (u²+v²)/2 + √(((u²−v²)/2)² + 4u²v²)', async () => {
    const [u, v] = [1.2, -0.5];
    const closed = (u * u + v * v) / 2 + Math.sqrt(((u * u - v * v) / 2) ** 2 + 4 * u * u * v * v);
    const [record] = await sharpness({}, [uv([u, v]).event(0)]);
    expect(record.value).toBeCloseTo(closed, 12);
  });

  it('matches symmetricEigen of the explicitly formed uv Hessian (m = 5, p = 10), top 4, on every sampled step', async () => {
    const later = uvParams.map((t, i) => t * (1 + 0.1 * Math.sin(i)));
    const run = uv(uvParams);
    const result = await sharpness({ k: 4 }, [run.event(0), run.event(1, later), run.event(2, later), run.event(3, later, { outcome: 'converged' })], 2);
    expect(result.map((r) => r.step)).toEqual([0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3]);
    for (const [step, params] of [[0, uvParams], [2, later], [3, later]] as const) {
      const exact = symmetricEigen(uvLossHessian(params, 1, 0), 10).values;
      const atStep = result.filter((r) => r.step === step);
      expect(atStep[0].value).toBeCloseTo(exact[0], 10);
      atStep.slice(1).forEach((r, i) => expect(r.value).toBeCloseTo(exact[i], 10));
    }
  });

  it('skips steps whose loss is not finite', async () => {
    const run = linear();
    const result = await sharpness({}, [run.event(0), run.event(1, undefined, { loss: Number.NaN })]);
    expect(result.map((r) => r.step)).toEqual([0]);
  });
});

describe('hessian-trace probe (Hutchinson)', () => {
  it('has samples = 16 by default', () => {
    expect(hessianTraceProbe.options({})).toEqual({ samples: 16 });
    expect(hessianTraceProbe.options({ samples: 0 })).toBeInstanceOf(type.errors);
  });

  it('is exact for a diagonal H_L with any number of Rademacher probes (tr diag(1, 4, 9) = 14)', async () => {
    for (const samples of [1, 3]) {
      const result = await trace({ samples }, [diagonal.event(0)]);
      expect(values(result, 'hessian_trace')).toEqual([14]);
      if (samples > 1) expect(values(result, 'hessian_trace_stderr')).toEqual([0]);
    }
  });

  it('converges to tr H_L = (‖u‖² + ‖v‖²)/m on the uv model, within the stated variance 2(‖H‖_F² − Σ H_ii²)/s', async () => {
    const h = uvLossHessian(uvParams, 1, 0);
    const p = 10;
    let exact = 0;
    let offDiagonal2 = 0;
    for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) (i === j ? (exact += h[i * p + j]) : (offDiagonal2 += h[i * p + j] ** 2));
    expect(exact).toBeCloseTo(uvParams.reduce((s, t) => s + t * t, 0) / 5, 13);
    const perSample = 2 * offDiagonal2;
    for (const samples of [16, 256, 4096]) {
      const result = await trace({ samples }, [uv(uvParams).event(0)], 7);
      const sigma = Math.sqrt(perSample / samples);
      expect(Math.abs(values(result, 'hessian_trace')[0] - exact)).toBeLessThan(4 * sigma);
      if (samples === 4096) expect(values(result, 'hessian_trace_stderr')[0] / sigma).toBeCloseTo(1, 1);
    }
  });

  it('is reproducible from the seed and draws fresh probes each measured step', async () => {
    const run = uv(uvParams);
    const events = [run.event(0), run.event(1)];
    const a = values(await trace({ samples: 4 }, events, 3), 'hessian_trace');
    const b = values(await trace({ samples: 4 }, events, 3), 'hessian_trace');
    expect(a).toEqual(b);
    expect(a[0]).not.toEqual(a[1]);
  });
});

describe('per-layer scope (block:)', () => {
  it('restricts H_L to the diagonal block of a parameter block, formed independently', () => {
    const { state } = uv(uvParams).event(0);
    const full = uvLossHessian(uvParams, 1, 0);
    for (const name of ['u', 'v']) {
      const block = state.model.blocks.find((b) => b.name === name)!;
      const h = new LossHessian(state.model, state.loss, state.data.train, block).at(state.params, state.outputs);
      expect(h.dimension).toBe(block.length);
      const dense = denseFromOperator(h.apply, block.length);
      for (let i = 0; i < block.length; i++) {
        for (let j = 0; j < block.length; j++) {
          expect(dense[i * block.length + j]).toBeCloseTo(full[(block.offset + i) * 10 + block.offset + j], 14);
        }
      }
    }
  });

  it('sharpness/u and hessian_trace/u: for L = ½f² the uu block is g_u g_uᵀ, so both equal ‖v‖²/m (x = 1)', async () => {
    const events = [uv(uvParams).event(0)];
    const v = uvParams.slice(5);
    const want = v.reduce((sum, vi) => sum + vi * vi, 0) / 5;
    const top = await sharpness({ block: 'u' }, events);
    expect(top.map((r) => r.name)).toEqual(['sharpness/u']);
    expect(top[0].value).toBeCloseTo(want, 10);
  });

  it('hessian_trace/<block> is exact on a diagonal block (Rademacher probes): diag(1, 4, 9) split in blocks', async () => {
    const model = new LinearModel(3, [
      { name: 'a', offset: 0, length: 1, shape: [1] },
      { name: 'bc', offset: 1, length: 2, shape: [2] },
    ]);
    const run = new ModelRun({ model, x: [[1, 0, 0], [0, 2, 0], [0, 0, 3]], y: [1, 0, -1], initialParams: [1, 1, 1] });
    expect(values(await trace({ block: 'a', samples: 3 }, [run.event(0)]), 'hessian_trace/a')).toEqual([1]);
    expect(values(await trace({ block: 'bc', samples: 3 }, [run.event(0)]), 'hessian_trace/bc')).toEqual([13]);
    expect(values(await sharpness({ block: 'bc' }, [run.event(0)]), 'sharpness/bc')[0]).toBeCloseTo(9, 12);
  });

  it('names the known blocks when the block does not exist', async () => {
    await expect(sharpness({ block: 'w' }, [uv(uvParams).event(0)])).rejects.toThrow(/no parameter block "w" \(blocks: u, v\)/);
  });
});
