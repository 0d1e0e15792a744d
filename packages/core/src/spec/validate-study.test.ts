import { describe, expect, it } from 'vitest';
import { Tdlab } from '../run/tdlab.js';
import { linearStudy, linearTestPlugin } from '../testing/linear-test-plugin.js';
import { StudySpecError } from './study-spec-error.js';

const kernel = new Tdlab([linearTestPlugin]);

function issuesOf(spec: unknown): { path: string; message: string }[] {
  try {
    kernel.validate(spec);
  } catch (error) {
    expect(error).toBeInstanceOf(StudySpecError);
    return [...(error as StudySpecError).issues];
  }
  throw new Error('expected the study to be invalid');
}

describe('study spec validation', () => {
  it('accepts a valid study and applies nothing it was not given', () => {
    const study = kernel.validate(linearStudy());
    expect(study.spec.name).toBe('linear');
    expect(study.model.entry.plugin).toBe('linear-test-plugin@1.0.0');
    expect(study.loss.options).toEqual({ reduction: 'sum', half: true });
  });

  it('names the field, the value and what was expected', () => {
    const issues = issuesOf(linearStudy({ steps: -3 }));
    expect(issues).toEqual([{ path: 'steps', message: 'must be positive (was -3)' }]);
  });

  it('reports every issue in one pass, core and plugin options alike', () => {
    const issues = issuesOf(
      linearStudy({ seed: 1.5, model: { use: 'linear', init: 'ones' }, loss: { use: 'mse', reduction: 'total' } }),
    );
    const paths = issues.map((issue) => issue.path).sort();
    expect(paths).toEqual(['loss.half', 'loss.reduction', 'model.init', 'seed']);
    expect(issues.find((issue) => issue.path === 'model.init')?.message).toBe('must be a number or an object (was a string)');
    expect(issues.find((issue) => issue.path === 'loss.reduction')?.message).toBe('must be "mean" or "sum" (was "total")');
    expect(issues.find((issue) => issue.path === 'loss.half')?.message).toContain('must be boolean');
  });

  it('requires the loss normalization to be explicit (papers.md §0)', () => {
    const issues = issuesOf(linearStudy({ loss: { use: 'mse' } }));
    expect(issues.map((issue) => issue.path).sort()).toEqual(['loss.half', 'loss.reduction']);
  });

  it('lists the known names and their plugins for an unknown use:', () => {
    const [issue] = issuesOf(linearStudy({ model: { use: 'resnet' } }));
    expect(issue.path).toBe('model.use');
    expect(issue.message).toBe('unknown model "resnet" (known: linear (linear-test-plugin@1.0.0))');
  });

  it('rejects options a contribution does not declare, naming the known ones', () => {
    const [issue] = issuesOf(linearStudy({ model: { use: 'linear', widht: 3 } }));
    expect(issue).toEqual({ path: 'model.widht', message: 'is not a known option (known: init)' });
  });

  it('validates list sections with their index in the path', () => {
    const issues = issuesOf(linearStudy({ probes: [{ use: 'loss' }, { use: 'loss', every: 0 }] }));
    expect(issues).toEqual([{ path: 'probes[1].every', message: 'must be positive (was 0)' }]);
  });

  it('validates the learning rate forms', () => {
    expect(() => kernel.validate(linearStudy({ schedule: { use: 'constant', lr: 0.1 } }))).not.toThrow();
    expect(() => kernel.validate(linearStudy({ schedule: { use: 'constant', lr: { absolute: 0.1 } } }))).not.toThrow();
    const [issue] = issuesOf(linearStudy({ schedule: { use: 'constant', lr: { normalized: -1 } } }));
    expect(issue.path).toBe('schedule.lr');
    expect(issue.message).toContain('(was');
  });

  it('rejects unknown top-level keys and formats the whole error readably', () => {
    try {
      kernel.validate(linearStudy({ stpes: 3 }), 'study.yaml');
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toBe('invalid study (study.yaml):\n  stpes: is not a known option');
    }
  });
});
