import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { firstPartyPlugins } from '@tdlab/cli';
import { loadStudyFile, Tdlab } from '@tdlab/core';
import { describe, expect, it } from 'vitest';

const studies = join(dirname(fileURLToPath(import.meta.url)), '..', 'studies');

describe('examples/linear studies (papers.md §5, §6 M–M)', () => {
  it.each(readdirSync(studies).filter((file) => file.endsWith('.yaml')))('%s validates against the first-party plugins', async (file) => {
    const spec = await loadStudyFile(join(studies, file));
    expect(() => new Tdlab(firstPartyPlugins).validate(spec, file)).not.toThrow();
  });
});
