import { describe, expect, it } from 'vitest';
import { compileKernels, renderModule } from '../../scripts/build-wasm.js';
import { KERNELS_WASM_BASE64 } from './kernels.generated.js';

// The committed kernels.generated.ts must be exactly what assembly/kernels.ts compiles to, so the
// artifact can never silently drift from its source. On failure: `pnpm run build:wasm` in this
// package (AssemblyScript is pinned in devDependencies, so the bytes are reproducible).
describe('kernels.generated.ts', () => {
  it('is up to date with assembly/kernels.ts', async () => {
    const bytes = await compileKernels();
    expect(Buffer.from(bytes).toString('base64')).toBe(KERNELS_WASM_BASE64);
    const { readFile } = await import('node:fs/promises');
    const committed = await readFile(new URL('./kernels.generated.ts', import.meta.url), 'utf8');
    expect(committed).toBe(renderModule(bytes));
  });
});
