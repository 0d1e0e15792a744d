import { type FloatArray, type Precision, Rng } from '@tdlab/tensor';
import type { OptimizerContext } from '../contributions/optimizer-contribution.js';

export interface TestOptimizerContextOptions {
  /** The study seed: `rng(purpose)` is `new Rng(seed).derive(purpose)`, as in a run; 0. */
  readonly seed?: number;
  /** 'float64'. */
  readonly precision?: Precision;
  /** The model's time scale c; 1. */
  readonly timeScale?: number;
  /** ∇L at any θ, for optimizers that evaluate it off θ_t; by default calling it throws. */
  readonly gradientAt?: (params: FloatArray, out: FloatArray) => void;
}

/**
 * An OptimizerContext for calling an optimizer contribution's `create(options, context)` in a unit
 * test, outside a run: an empty spec, no run directory.
 */
export function testOptimizerContext(parameterCount: number, options: TestOptimizerContextOptions = {}): OptimizerContext {
  const seed = options.seed ?? 0;
  return {
    runId: 'test',
    spec: {} as OptimizerContext['spec'],
    precision: options.precision ?? 'float64',
    rng: (purpose: string) => new Rng(seed).derive(purpose),
    baseDir: '.',
    outDir: undefined,
    parameterCount,
    timeScale: options.timeScale ?? 1,
    gradientAt:
      options.gradientAt ??
      (() => {
        throw new Error('testOptimizerContext: no gradientAt given');
      }),
  };
}
