import { defineStudy, loadStudyFile, StudySpecError, use } from '@tdlab/core';
import { singleExample } from '@tdlab/plugin-data';
import { uvModel } from '@tdlab/plugin-models';
import { gradientDescent } from '@tdlab/plugin-optimizers';
import { lossProbe, ntkTopEigenvalueProbe } from '@tdlab/plugin-probes';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kernel } from './support.js';

describe('studies from TypeScript, JSON and YAML', () => {
  it('types a study from the contributions’ schemas and runs it', async () => {
    const study = defineStudy({
      name: 'typed-uv',
      seed: 0,
      data: use(singleExample, { x: [1], y: 0 }),
      model: use(uvModel, { width: 100 }),
      loss: { use: 'mse', reduction: 'sum', half: true },
      optimizer: use(gradientDescent, {}),
      schedule: { use: 'constant', lr: { normalized: 3 } },
      steps: 50,
      probes: [use(lossProbe, {}), { ...use(ntkTopEigenvalueProbe, { k: 1 }), every: 5 }],
    });
    expect(study.model).toEqual({ use: 'uv', width: 100 });
    const summary = await kernel.execute(study);
    expect(summary.outcome).toBe('max-steps');
    expect(summary.normalizedLr).toBeCloseTo(3, 10);

    // Checked by `pnpm typecheck`: options are typed by their arktype schema.
    // @ts-expect-error width must be a number
    use(uvModel, { width: 'wide' });
    // @ts-expect-error steps must be a number
    defineStudy({ ...study, steps: '10' });
  });

  it('loads the same study from JSON and YAML, and reports unreadable files as spec errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tdlab-load-'));
    const object = { name: 'x', seed: 1, steps: 2, data: { use: 'single-example' } };
    writeFileSync(join(dir, 'study.json'), JSON.stringify(object));
    writeFileSync(join(dir, 'study.yaml'), 'name: x\nseed: 1\nsteps: 2\ndata: { use: single-example }\n');
    expect(await loadStudyFile(join(dir, 'study.json'))).toEqual(object);
    expect(await loadStudyFile(join(dir, 'study.yaml'))).toEqual(object);
    writeFileSync(join(dir, 'broken.yaml'), 'name: [unclosed\n');
    await expect(loadStudyFile(join(dir, 'broken.yaml'))).rejects.toBeInstanceOf(StudySpecError);
    await expect(loadStudyFile(join(dir, 'missing.json'))).rejects.toThrow('cannot read');
  });
});
