import { type Precision, Rng } from '@tdlab/tensor';
import type { ModelContext } from '../contributions/model-contribution.js';

export interface TestModelContextOptions {
  /** The study seed: `rng(purpose)` is `new Rng(seed).derive(purpose)`, as in a run; 0. */
  readonly seed?: number;
  /** 'float64'. */
  readonly precision?: Precision;
}

/**
 * A ModelContext for calling a model contribution's `create(options, context)` in a unit test,
 * outside a run: an empty spec, no run directory, and no nested model sections (`createModel` throws).
 */
export function testModelContext(inputDim: number, options: TestModelContextOptions = {}): ModelContext {
  const seed = options.seed ?? 0;
  return {
    runId: 'test',
    spec: {} as ModelContext['spec'],
    precision: options.precision ?? 'float64',
    rng: (purpose: string) => new Rng(seed).derive(purpose),
    baseDir: '.',
    outDir: undefined,
    inputDim,
    createModel: () => {
      throw new Error('testModelContext: no nested model sections');
    },
  };
}
