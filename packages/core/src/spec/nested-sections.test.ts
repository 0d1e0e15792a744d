import type { FloatArray } from '@tdlab/tensor';
import { type } from 'arktype';
import { ContainerModule } from 'inversify';
import { lastValueFrom, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { defineModel, ModelContribution } from '../contributions/model-contribution.js';
import type { DifferentiableModel, Inputs } from '../model/differentiable-model.js';
import { definePlugin } from '../plugin/tdlab-plugin.js';
import { Tdlab } from '../run/tdlab.js';
import { linearModel } from '../testing/linear-model-plugin.js';
import { linearStudy, linearTestPlugin } from '../testing/linear-test-plugin.js';
import { defineStudy, use } from './define-study.js';
import { nestedSectionSchema } from './study-spec.js';
import { StudySpecError } from './study-spec-error.js';

/*
 * Model sections nested in a model's options (`model: { use: quadratic, base: { use: two-layer, … } }`):
 * validated by the nested section's own contribution with full paths, built through
 * `ModelContext.createModel` from the same context (so the same θ₀ as the bare model).
 */

/** f = factor · base: the smallest wrapper. */
class ScaledModel implements DifferentiableModel {
  constructor(
    readonly base: DifferentiableModel,
    readonly factor: number,
  ) {}
  get parameterCount() {
    return this.base.parameterCount;
  }
  get inputDim() {
    return this.base.inputDim;
  }
  get blocks() {
    return this.base.blocks;
  }
  initialize(rng: Parameters<DifferentiableModel['initialize']>[0], params: FloatArray): void {
    this.base.initialize(rng, params);
  }
  private scale(out: FloatArray, length: number): void {
    for (let i = 0; i < length; i++) out[i] *= this.factor;
  }
  forward(params: FloatArray, inputs: Inputs, out: FloatArray): void {
    this.base.forward(params, inputs, out);
    this.scale(out, inputs.n);
  }
  jvp(params: FloatArray, inputs: Inputs, tangent: FloatArray, out: FloatArray): void {
    this.base.jvp(params, inputs, tangent, out);
    this.scale(out, inputs.n);
  }
  vjp(params: FloatArray, inputs: Inputs, cotangent: FloatArray, out: FloatArray): void {
    this.base.vjp(params, inputs, cotangent, out);
    this.scale(out, this.parameterCount);
  }
  hvp(params: FloatArray, inputs: Inputs, weights: FloatArray, vector: FloatArray, out: FloatArray): void {
    this.base.hvp(params, inputs, weights, vector, out);
    this.scale(out, this.parameterCount);
  }
  secondDirectional(params: FloatArray, inputs: Inputs, vector: FloatArray, out: FloatArray): void {
    this.base.secondDirectional(params, inputs, vector, out);
    this.scale(out, inputs.n);
  }
}

const scaledModel = defineModel({
  id: 'scaled',
  description: 'f = factor · base (tests)',
  options: type({ base: nestedSectionSchema, factor: 'number = 2' }),
  nested: { base: 'model' },
  create: (options, context) => new ScaledModel(context.createModel(options.base), options.factor),
});

/** Declares no nested section, yet tries to build one: a plugin bug the core names. */
const sneakyModel = defineModel({
  id: 'sneaky',
  description: 'builds an undeclared nested section (tests)',
  options: type({ base: nestedSectionSchema }),
  create: (options, context) => context.createModel(options.base),
});

/** Declares its nested key loosely in the schema: the core still insists on a section. */
const looseModel = defineModel({
  id: 'loose',
  description: 'nested base declared as unknown (tests)',
  options: type({ base: 'unknown' }),
  nested: { base: 'model' },
  create: (options, context) => context.createModel(options.base as { use: string }),
});

const nestedTestPlugin = definePlugin({
  name: 'nested-test-plugin',
  version: '1.0.0',
  coreApi: '^0.1.0',
  module: new ContainerModule(({ bind }) => {
    bind(ModelContribution).toConstantValue(scaledModel);
    bind(ModelContribution).toConstantValue(sneakyModel);
    bind(ModelContribution).toConstantValue(looseModel);
  }),
});

const kernel = new Tdlab([linearTestPlugin, nestedTestPlugin]);

function issuesOf(spec: unknown): { path: string; message: string }[] {
  try {
    kernel.validate(spec);
  } catch (error) {
    expect(error).toBeInstanceOf(StudySpecError);
    return [...(error as StudySpecError).issues];
  }
  throw new Error('expected the study to be invalid');
}

const sorted = (issues: { path: string; message: string }[]) => [...issues].sort((a, b) => (a.path < b.path ? -1 : 1));

describe('nested model sections: validation', () => {
  it('resolves the nested section with its own contribution and hands the factory its validated options', () => {
    const study = kernel.validate(linearStudy({ model: { use: 'scaled', base: { use: 'scaled', base: { use: 'linear', init: 1 } } } }));
    expect(study.model.options).toEqual({ factor: 2, base: { use: 'scaled', factor: 2, base: { use: 'linear', init: 1 } } });
    const base = study.model.nested!.base;
    expect(base.path).toBe('model.base');
    expect(base.entry.contribution).toBe(scaledModel);
    // The factory finds the very object the nested part carries (createModel looks it up by identity).
    expect((study.model.options as { base: unknown }).base).toBe(base.section);
    expect(base.nested!.base.path).toBe('model.base.base');
    expect(base.nested!.base.entry.contribution).toBe(linearModel);
    // The spec keeps the section as written (run ids, spec.json).
    expect(study.spec.model).toEqual({ use: 'scaled', base: { use: 'scaled', base: { use: 'linear', init: 1 } } });
  });

  it('names the full path, the value and what was expected for a bad nested option', () => {
    expect(issuesOf(linearStudy({ model: { use: 'scaled', base: { use: 'linear', init: 'ones' } } }))).toEqual([
      { path: 'model.base.init', message: 'must be a number or an object (was a string)' },
    ]);
    expect(issuesOf(linearStudy({ model: { use: 'scaled', base: { use: 'scaled', factor: 'x', base: { use: 'linear' } } } }))).toEqual([
      { path: 'model.base.factor', message: 'must be a number (was a string)' },
    ]);
  });

  it('rejects options the nested contribution does not declare, naming the known ones', () => {
    expect(issuesOf(linearStudy({ model: { use: 'scaled', base: { use: 'linear', widht: 3 } } }))).toEqual([
      { path: 'model.base.widht', message: 'is not a known option (known: init)' },
    ]);
    // The core's own section keys belong to the top-level section only.
    expect(issuesOf(linearStudy({ model: { use: 'scaled', base: { use: 'linear', initialParameters: 'p.json' } } }))).toEqual([
      { path: 'model.base.initialParameters', message: 'is not a known option (known: init)' },
    ]);
  });

  it('lists the known models for an unknown nested use:, at any depth', () => {
    const known =
      'linear (linear-test-plugin@1.0.0), scaled (nested-test-plugin@1.0.0), sneaky (nested-test-plugin@1.0.0), loose (nested-test-plugin@1.0.0)';
    expect(issuesOf(linearStudy({ model: { use: 'scaled', base: { use: 'resnet' } } }))).toEqual([
      { path: 'model.base.use', message: `unknown model "resnet" (known: ${known})` },
    ]);
    expect(issuesOf(linearStudy({ model: { use: 'scaled', base: { use: 'scaled', base: { use: 'resnet' } } } }))).toEqual([
      { path: 'model.base.base.use', message: `unknown model "resnet" (known: ${known})` },
    ]);
  });

  it('reports a missing or malformed nested section once, at its path', () => {
    expect(issuesOf(linearStudy({ model: { use: 'scaled' } }))).toEqual([{ path: 'model.base', message: 'must be an object (was missing)' }]);
    expect(issuesOf(linearStudy({ model: { use: 'scaled', base: 3 } }))).toEqual([{ path: 'model.base', message: 'must be an object (was a number)' }]);
    expect(issuesOf(linearStudy({ model: { use: 'scaled', base: { init: 1 } } }))).toEqual([
      { path: 'model.base.use', message: 'must be a string (was missing)' },
    ]);
    // A schema that lets anything through: the core still requires a section.
    expect(issuesOf(linearStudy({ model: { use: 'loose', base: 3 } }))).toEqual([
      { path: 'model.base', message: 'must be a section { use: <name>, … } (was 3)' },
    ]);
    expect(() => kernel.validate(linearStudy({ model: { use: 'loose', base: { use: 'linear' } } }))).not.toThrow();
  });

  it('reports the parent’s, the nested and the other sections’ issues in one pass', () => {
    const issues = issuesOf(
      linearStudy({ steps: 0, model: { use: 'scaled', factor: 'big', base: { use: 'scaled', base: { use: 'linear', init: 'ones' } } } }),
    );
    expect(sorted(issues).map((issue) => issue.path)).toEqual(['model.base.base.init', 'model.factor', 'steps']);
  });
});

describe('nested model sections: building', () => {
  const first = async (model: Record<string, unknown>) => {
    const [event] = await lastValueFrom(kernel.run(linearStudy({ model, steps: 1 })).pipe(take(1), toArray()));
    return {
      initialParams: [...event.state.initialParams],
      outputs: [...event.state.outputs],
      lambda0: event.state.lambda0!,
      model: event.state.model,
    };
  };

  it('builds the base from the same context: the wrapper starts from the bare model’s θ₀ (same rng stream)', async () => {
    const bare = await first({ use: 'linear' });
    const wrapped = await first({ use: 'scaled', factor: 3, base: { use: 'linear' } });
    const twice = await first({ use: 'scaled', factor: 3, base: { use: 'scaled', factor: 1, base: { use: 'linear' } } });
    expect(bare.initialParams.some((value) => value !== 0)).toBe(true);
    expect(wrapped.initialParams).toEqual(bare.initialParams);
    expect(twice.initialParams).toEqual(bare.initialParams);
    expect(wrapped.model).toBeInstanceOf(ScaledModel);
    expect((wrapped.model as ScaledModel).base.inputDim).toBe(2);
    // f = 3·base, so the outputs scale by 3 and the NTK by 9.
    wrapped.outputs.forEach((value, k) => expect(value).toBeCloseTo(3 * bare.outputs[k], 12));
    expect(wrapped.lambda0 / bare.lambda0).toBeCloseTo(9, 10);
    expect(twice.lambda0 / bare.lambda0).toBeCloseTo(9, 10);
  });

  it('refuses to build a section the contribution did not declare as nested', async () => {
    await expect(first({ use: 'sneaky', base: { use: 'linear' } })).rejects.toThrow(
      'model: createModel was given a section that is not one of the nested sections of "sneaky"',
    );
  });
});

describe('nested model sections: typed studies', () => {
  it('use() types the wrapper’s options, the nested section included', () => {
    const study = defineStudy({
      name: 'typed-nested',
      seed: 0,
      data: { use: 'inline', x: [[1, 0]], y: [1] },
      model: use(scaledModel, { factor: 3, base: use(linearModel, { init: 1 }) }),
      loss: { use: 'mse', reduction: 'sum', half: true },
      optimizer: { use: 'gd' },
      schedule: { use: 'constant', lr: 0.1 },
      steps: 1,
    });
    expect(study.model).toEqual({ use: 'scaled', factor: 3, base: { use: 'linear', init: 1 } });
    expect(() => kernel.validate(study)).not.toThrow();
    // Checked by `pnpm typecheck`: a nested section must be a section.
    // @ts-expect-error base must be an object with use:
    use(scaledModel, { base: 3 });
    // @ts-expect-error base needs use:
    use(scaledModel, { base: { init: 1 } });
  });

  it('`nested` may only name the contribution’s own options', () => {
    const contribution = defineModel({
      id: 'typo',
      description: 'declares a nested key its schema does not have',
      options: type({ base: nestedSectionSchema }),
      // @ts-expect-error "bsae" is not an option of this contribution
      nested: { bsae: 'model' },
      create: (options, context) => context.createModel(options.base),
    });
    expect(contribution.nested).toEqual({ bsae: 'model' });
  });
});
