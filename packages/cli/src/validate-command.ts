import { dirname, resolve } from 'node:path';
import { loadStudyFile, runId } from '@tdlab/core';
import { createKernel } from './create-kernel.js';

/** `tdlab validate <study...>`: checks each study; throws StudySpecError on the first invalid one. */
export async function validateCommand(files: readonly string[], log: (line: string) => void): Promise<void> {
  for (const file of files) {
    const spec = await loadStudyFile(file);
    const kernel = await createKernel(spec, dirname(resolve(file)));
    const study = kernel.validate(spec, file);
    log(`${file}: valid — ${study.spec.name} (run ${runId(study.spec.name, study.spec)}), model ${study.model.section.use}, ${study.spec.steps} steps`);
  }
}
