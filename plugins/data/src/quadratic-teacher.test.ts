import type { ModelContext, RunContext } from '@tdlab/core';
import { drawPureQuadraticStructure, META_FEATURE_STREAM, PureQuadraticModel, pureQuadraticModel } from '@tdlab/plugin-models';
import { type Precision, Rng } from '@tdlab/tensor';
import { type } from 'arktype';
import { describe, expect, it } from 'vitest';
import { gaussianInputsDataSet } from './gaussian-inputs.js';
import { quadraticTeacher, type QuadraticTeacherDataSet } from './quadratic-teacher.js';

/*
 * Meltzer et al.'s teacher–student set-up (papers.md §2): the teacher is a pure-quadratic model at a
 * fixed random θ*, the student a pure-quadratic model over the same meta-features with some masked.
 * What is checkable without the paper's text: (1) the unmasked student shares the teacher's ψ and φ
 * exactly, so θ = θ* reproduces every label; (2) a masked student sees exactly the teacher's
 * features minus the masked ones; (3) the labels have the distribution the formula implies
 * (Gaussian given θ*, with a known variance); (4) draw order and reproducibility.
 */

function context(seed = 0, precision: Precision = 'float64'): RunContext {
  return {
    runId: 'test',
    spec: {} as RunContext['spec'],
    precision,
    rng: (purpose: string) => new Rng(seed).derive(purpose),
    baseDir: '.',
    outDir: undefined,
  };
}

function modelContext(inputDim: number, seed = 0): ModelContext {
  return {
    ...context(seed),
    inputDim,
    createModel: () => {
      throw new Error('no nested sections');
    },
  };
}

function validated<S extends type.Any>(schema: S, input: object): S['infer'] {
  const options = schema.onUndeclaredKey('reject')(input);
  if (options instanceof type.errors) throw new Error(options.summary);
  return options;
}

function teacherSet(input: object, seed = 0, precision: Precision = 'float64'): QuadraticTeacherDataSet {
  return quadraticTeacher.create(validated(quadraticTeacher.options, input), context(seed, precision)) as QuadraticTeacherDataSet;
}

function student(input: object, inputDim: number, seed = 0): PureQuadraticModel {
  return pureQuadraticModel.create(validated(pureQuadraticModel.options, input), modelContext(inputDim, seed)) as PureQuadraticModel;
}

describe('quadratic-teacher — Meltzer et al. teacher–student set-up (papers.md §2)', () => {
  it('options: defaults, the structure options shared with pure-quadratic, strict keys', () => {
    expect(validated(quadraticTeacher.options, { n: 8, d: 3, width: 10 })).toEqual({
      n: 8,
      d: 3,
      width: 10,
      features: 0,
      eigenvalueRange: [1, 1],
      activation: 'identity',
      leakySlope: 0.01,
      noise: 0,
    });
    for (const [input, message] of [
      [{ n: 8, d: 3, width: 9 }, 'width must be even'],
      [{ n: 8, d: 3 }, 'width must be'],
      [{ n: 8, d: 3, width: 10, masks: 2 }, 'masks must be removed'],
      [{ n: 8, d: 3, width: 10, eval: { n: 5, m: 1 } }, 'eval.m must be removed'],
    ] as const) {
      const result = quadraticTeacher.options.onUndeclaredKey('reject')(input);
      expect(result).toBeInstanceOf(type.errors);
      expect((result as type.errors).summary).toContain(message);
    }
  });

  it.each([
    { features: 0, activation: 'identity' },
    { features: 6, activation: 'tanh' },
  ])('(1) the unmasked student shares ψ and φ: at θ = θ* it reproduces every label bit for bit (%j)', (extra) => {
    const options = { width: 20, eigenvalueRange: [0.5, 1.5], ...extra };
    const data = teacherSet({ n: 32, d: 4, eval: { n: 8 }, ...options }, 3);
    const model = student(options, 4, 3);
    expect(model.parameterCount).toBe(data.teacherParameters.length);
    for (const set of [data.train, data.eval!]) {
      const out = new Float64Array(set.n);
      model.forward(data.teacherParameters, set, out);
      expect(out).toEqual(set.y);
    }
  });

  it('(2) a student masking k meta-features sees the rest exactly: (ζ*/ζ) z_student(θ*_kept) = z*(θ* zeroed off the kept set) (1e-12)', () => {
    const data = teacherSet({ n: 16, d: 5, width: 30 }, 4);
    const masked = student({ width: 30, masks: 12 }, 5, 4);
    const kept = masked.metaIndices;
    expect(kept.length).toBe(18);
    const teacher = student({ width: 30 }, 5, 4);
    const zeroed = new Float64Array(30);
    for (const index of kept) zeroed[index] = data.teacherParameters[index];
    const restricted = Float64Array.from(kept, (index) => data.teacherParameters[index]);
    const full = new Float64Array(16);
    const sub = new Float64Array(16);
    teacher.forward(zeroed, data.train, full);
    masked.forward(restricted, data.train, sub);
    for (let k = 0; k < 16; k++) expect(Math.abs((teacher.zeta / masked.zeta) * sub[k] - full[k])).toBeLessThan(1e-12 * Math.max(1, Math.abs(full[k])));
    // The mask draws from the model stream: another seed masks other features over the same ψ.
    expect(student({ width: 30, masks: 12 }, 5, 5).metaIndices).not.toEqual(kept);
  });

  it('(3) labels: given θ*, y = (ζ/2√d) Σᵢ xᵢ θ*ᵀWᵢθ* is N(0, σ²) with σ² = ζ²/(4d) Σᵢ (θ*ᵀWᵢθ*)² — the sample mean of y² over 4000 rows is within 5 standard errors', () => {
    const [d, width] = [6, 40];
    const data = teacherSet({ n: 1, d, width, eval: { n: 4000 } }, 5);
    const structure = drawPureQuadraticStructure(new Rng(5).derive(META_FEATURE_STREAM), { inputDim: d, width });
    const variance = labelVariance(structure.meta, data.teacherParameters, d, width);
    const y = data.eval!.y;
    let meanSquare = 0;
    for (let i = 0; i < y.length; i++) meanSquare += y[i] * y[i] / y.length;
    expect(Math.abs(meanSquare - variance)).toBeLessThan(5 * variance * Math.sqrt(2 / y.length));
  });

  it('(3′) unit scale: averaged over teachers, E[y²] = ζ²/(4d)·Σᵢ E(θᵀWᵢθ)² = ζ²/(4d)·d·2n·s² = s² = 1 (40 teachers, ± 0.3 ≈ 3 s.e.)', () => {
    const [d, width] = [6, 40];
    let sum = 0;
    for (let seed = 0; seed < 40; seed++) {
      const meta = drawPureQuadraticStructure(new Rng(seed).derive(META_FEATURE_STREAM), { inputDim: d, width }).meta;
      const theta = new Float64Array(width);
      new Rng(seed).derive('data').fillNormal(theta);
      sum += labelVariance(meta, theta, d, width);
    }
    expect(Math.abs(sum / 40 - 1)).toBeLessThan(0.3);
  });

  it('(4) draw order: θ* first from rng("data"), then the inputs; eval and noise never move the training inputs; float32 rounds once', () => {
    const base = teacherSet({ n: 10, d: 3, width: 8 }, 6);
    const rng = new Rng(6).derive('data');
    const theta = new Float64Array(8);
    rng.fillNormal(theta);
    expect(base.teacherParameters).toEqual(theta);
    const x = new Float64Array(30);
    rng.fillNormal(x);
    expect(base.train.x).toEqual(x);
    const noisy = teacherSet({ n: 10, d: 3, width: 8, noise: 0.5, eval: { n: 4 } }, 6);
    expect(noisy.train.x).toEqual(base.train.x);
    expect(noisy.train.y).not.toEqual(base.train.y);
    expect(noisy.eval!.n).toBe(4);
    const single = teacherSet({ n: 10, d: 3, width: 8 }, 6, 'float32');
    expect(single.train.x).toBeInstanceOf(Float32Array);
    expect(single.train.y).toEqual(Float32Array.from({ length: 10 }, (_, i) => labelsFrom(single, i)));
  });
});

/** σ² = ζ²/(4d) Σᵢ (θᵀWᵢθ)², ζ² = 2/n: the variance of an identity-g teacher's labels given θ. */
function labelVariance(meta: Float64Array, theta: ArrayLike<number>, d: number, width: number): number {
  let variance = 0;
  for (let i = 0; i < d; i++) {
    let c = 0;
    for (let a = 0; a < width; a++) for (let b = 0; b < width; b++) c += theta[a] * meta[i * width * width + a * width + b] * theta[b];
    variance += c * c;
  }
  return (variance * (2 / width)) / (4 * d);
}

/** The float64 teacher label of row i, recomputed from the stored float32 inputs. */
function labelsFrom(data: QuadraticTeacherDataSet, i: number): number {
  const teacher = new PureQuadraticModel({ structure: drawPureQuadraticStructure(new Rng(6).derive(META_FEATURE_STREAM), { inputDim: 3, width: 8 }) });
  const out = new Float64Array(1);
  teacher.forward(data.teacherParameters, { x: Float64Array.from(data.train.x.subarray(3 * i, 3 * i + 3)), n: 1 }, out);
  return out[0];
}

describe('gaussian-inputs — Zhu et al. App. 19.4 set-up (papers.md §1b)', () => {
  it('x ~ N(0, I_d) from rng("data") with a constant target; eval from derive("eval") leaves the training rows alone', () => {
    const options = validated(gaussianInputsDataSet.options, { n: 2, d: 100 });
    expect(options).toEqual({ n: 2, d: 100, y: 0 });
    const data = gaussianInputsDataSet.create(options, context(1));
    const x = new Float64Array(200);
    new Rng(1).derive('data').fillNormal(x);
    expect(data.inputDim).toBe(100);
    expect(data.train.x).toEqual(x);
    expect(Array.from(data.train.y)).toEqual([0, 0]);
    const withEval = gaussianInputsDataSet.create(validated(gaussianInputsDataSet.options, { n: 2, d: 100, y: 0.5, eval: { n: 3 } }), context(1));
    expect(withEval.train.x).toEqual(x);
    expect(Array.from(withEval.train.y)).toEqual([0.5, 0.5]);
    expect(withEval.eval!.n).toBe(3);
    const result = gaussianInputsDataSet.options.onUndeclaredKey('reject')({ n: 2, d: 3, noise: 1 });
    expect((result as type.errors).summary).toContain('noise must be removed');
  });
});
