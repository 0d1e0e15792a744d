import { type DataSet, defineDataSet, type LabeledInputs } from '@tdlab/core';
import {
  drawPureQuadraticStructure,
  META_FEATURE_STREAM,
  type MetaActivation,
  PureQuadraticModel,
  pureQuadraticStructureOptions,
} from '@tdlab/plugin-models';
import { allocate, type Precision, type Rng } from '@tdlab/tensor';
import { type } from 'arktype';
import { EVAL_STREAM, evalOptions, gaussianInputs } from './internal.js';

export interface QuadraticTeacherOptions {
  readonly n: number;
  readonly d: number;
  /** The teacher's rank n (even). */
  readonly width: number;
  /** The teacher's linear features n_f (0: a pure quadratic teacher). */
  readonly features: number;
  readonly eigenvalueRange: readonly [number, number];
  readonly activation: MetaActivation;
  readonly leakySlope: number;
  readonly noise: number;
  readonly eval?: { readonly n: number };
}

/** A teacher–student data set: the teacher's parameters come with it. */
export interface QuadraticTeacherDataSet extends DataSet {
  /** θ* (then θ*_f with features), float64: the teacher is `pure-quadratic` with these parameters. */
  readonly teacherParameters: Float64Array;
}

/** Rows of a ψ batch per chunk, so a chunk of ψ(x) matrices stays near 32 MB. */
const CHUNK_ENTRIES = 2 ** 22;

/**
 * Draws a quadratic-teacher data set. The teacher's structure (Wᵢ, U) comes from `structureRng` —
 * `rng('meta-features')` in a run, the stream the `pure-quadratic` student draws its own from. From
 * `rng` (the data stream), in this order: θ* then θ*_f (normals), the training inputs (n·d normals,
 * row by row), the training noise (n normals, only when noise > 0). The evaluation set comes from
 * `rng.derive('eval')`: inputs, then noise.
 */
export function drawQuadraticTeacher(options: QuadraticTeacherOptions, rng: Rng, structureRng: Rng, precision: Precision): QuadraticTeacherDataSet {
  const { d, width } = options;
  const structure = drawPureQuadraticStructure(structureRng, {
    inputDim: d,
    width,
    features: options.features,
    eigenvalueRange: options.eigenvalueRange,
  });
  const teacher = new PureQuadraticModel({ structure, activation: options.activation, leakySlope: options.leakySlope });
  const teacherParameters = new Float64Array(teacher.parameterCount);
  teacher.initialize(rng, teacherParameters);
  const chunk = Math.max(1, Math.floor(CHUNK_ENTRIES / (width * width)));
  const sample = (stream: Rng, n: number): LabeledInputs => {
    const x = gaussianInputs(stream, precision, n, d);
    const labels = new Float64Array(n);
    // Computed in float64 from the stored (possibly float32-rounded) inputs, a chunk at a time.
    for (let start = 0; start < n; start += chunk) {
      const rows = Math.min(chunk, n - start);
      teacher.forward(teacherParameters, { x: x.subarray(start * d, (start + rows) * d), n: rows }, labels.subarray(start, start + rows));
    }
    if (options.noise > 0) for (let i = 0; i < n; i++) labels[i] += options.noise * stream.normal();
    const y = allocate(precision, n);
    y.set(labels);
    return { x, y, n };
  };
  const train = sample(rng, options.n);
  const evalSet = options.eval ? sample(rng.derive(EVAL_STREAM), options.eval.n) : undefined;
  return { inputDim: d, train, ...(evalSet ? { eval: evalSet } : {}), teacherParameters };
}

/**
 * `data: { use: quadratic-teacher, n: 64, d: 10, width: 100 }` — Meltzer et al.'s teacher–student
 * set-up (papers.md §2): x ~ N(0, I_d), y = z*(x) (+ noise) with z* a `pure-quadratic` model of the
 * given width, features, eigenvalueRange and activation at fixed random θ* ~ N(0, I). A study's
 * `model: { use: pure-quadratic, …same four options…, masks: k }` is its student: it draws the same
 * ψ and φ (from rng('meta-features')) and keeps a random n − k of the meta-features.
 */
export const quadraticTeacher = defineDataSet({
  id: 'quadratic-teacher',
  description: "Teacher–student regression x ~ N(0, I_d), y = z*(x) + noise, z* a pure-quadratic model at fixed random θ* (Meltzer et al., papers.md §2)",
  options: pureQuadraticStructureOptions.and({
    /** Number of training rows. */
    n: 'number.integer > 0',
    /** Input dimension. */
    d: 'number.integer > 0',
    /** Standard deviation of Gaussian noise added to every target (train and eval). Default 0. */
    noise: 'number >= 0 = 0',
    /** Optional held-out set from the same teacher: `{ n }` rows. */
    'eval?': evalOptions,
  }),
  create: (options, context) => drawQuadraticTeacher(options, context.rng('data'), context.rng(META_FEATURE_STREAM), context.precision),
});
