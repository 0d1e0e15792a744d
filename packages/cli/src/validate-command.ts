import { dirname, resolve } from 'node:path';
import { loadStudyFile, runId } from '@tdlab/core';
import { createKernel } from './create-kernel.js';
import { hasSweep } from './run-command.js';
import { planSweep } from './sweep/expand-sweep.js';

/** `tdlab validate <study...>`: checks each study; throws StudySpecError on the first invalid one. */
export async function validateCommand(files: readonly string[], log: (line: string) => void): Promise<void> {
  for (const file of files) {
    const spec = await loadStudyFile(file);
    if (hasSweep(spec)) {
      // A sweep: every run it expands to is validated (what `tdlab sweep` checks before running).
      const { sweep: _sweep, ...base } = spec as Record<string, unknown>;
      const kernel = await createKernel(base, dirname(resolve(file)));
      const plan = planSweep(spec, dirname(resolve(file)), (run) => kernel.validate(run, file), file);
      log(`${file}: valid sweep — ${plan.name}, ${plan.runs.length} runs over ${plan.axes.join(', ')} (run it with tdlab sweep)`);
      continue;
    }
    const kernel = await createKernel(spec, dirname(resolve(file)));
    const study = kernel.validate(spec, file);
    log(`${file}: valid — ${study.spec.name} (run ${runId(study.spec.name, study.spec)}), model ${study.model.section.use}, ${study.spec.steps} steps`);
  }
}
