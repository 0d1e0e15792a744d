import { allocate, type FloatArray, type Precision } from './float-array.js';
import { allocateResident, releaseResident } from './wasm/engine.js';

/**
 * Buffers that live inside the WASM kernels' memory, so `gemm` and the activation passes read and
 * write them in place instead of copying them in and out on every call. A model keeps its large
 * per-batch matrices (pre-activations, σ'(Z), a linearization's cached Jacobian factors) here: for
 * the thin products of a two-layer step those copies cost about as much as the arithmetic.
 *
 * The arrays are ordinary Float64Array / Float32Array views (zero-filled), usable everywhere; where
 * the WASM kernels are not available they are plain `allocate` arrays. The owner must call
 * `release()` when done (a model's `dispose`); after that, the arrays must not be touched, since
 * their memory is handed to the next workspace. A workspace that becomes unreachable without
 * `release()` gives its memory back when it is garbage-collected.
 */
export class KernelWorkspace {
  private readonly resident = new Set<FloatArray>();
  private released = false;

  constructor() {
    workspaces.register(this, this.resident, this);
  }

  /** A zero-filled array of `length` elements, resident in the kernels' memory when they are available. */
  allocate(precision: Precision, length: number): FloatArray {
    if (this.released) throw new Error('KernelWorkspace: allocate after release()');
    const array = allocateResident(precision === 'float64', length);
    if (!array) return allocate(precision, length);
    this.resident.add(array);
    return array;
  }

  /** Gives one array back early (e.g. a scratch matrix replaced by a larger one). */
  free(array: FloatArray): void {
    if (this.resident.delete(array)) releaseResident(array);
  }

  /** Gives every array back; the workspace cannot allocate afterwards. */
  release(): void {
    if (this.released) return;
    this.released = true;
    workspaces.unregister(this);
    releaseAll(this.resident);
  }
}

function releaseAll(resident: Set<FloatArray>): void {
  for (const array of resident) releaseResident(array);
  resident.clear();
}

/** Returns the memory of workspaces collected without `release()`. */
const workspaces = new FinalizationRegistry<Set<FloatArray>>(releaseAll);
