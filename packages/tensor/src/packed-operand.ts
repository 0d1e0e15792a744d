import { checkGemm, gemm, gemmUsesWasm } from './blas.js';
import type { FloatArray } from './float-array.js';
import { releasePackedOperand, type WasmPackedOperand, wasmGemmPacked, wasmPackOperand } from './wasm/engine.js';

/**
 * The left operand alpha·op(A) of many products, packed once into the kernels' panel layout. A
 * power iteration or Lanczos run multiplies the same Jacobian factor (σ'(Z) of a two-layer net, a
 * p×n slice) by a new right-hand side each step; packing A costs a full pass over it (about a
 * tenth of a 512×4096×64 product), which `multiply` then skips, like BLAS's `?gemm_pack`.
 *
 * The operand is a snapshot: later changes to `a` are not seen. `multiply` computes in A's
 * precision (a B or C of the other precision is converted on the way in and out) and gives the
 * same result, bit for bit, as `gemm` with the same arguments and precision. Small operands (and
 * runtimes without the WASM kernels) keep a copy of A instead, and `multiply` is `gemm`.
 * `release()` returns its memory; an operand dropped without it is freed when collected.
 */
export class PackedGemmOperand {
  private released = false;

  private constructor(
    private readonly transA: boolean,
    readonly m: number,
    readonly k: number,
    private readonly alpha: number,
    private readonly wasm: WasmPackedOperand | undefined,
    private readonly copy: FloatArray | undefined,
  ) {}

  /** Packs alpha·op(A), op(A) being m×k (A is k×m when transA). */
  static pack(transA: boolean, m: number, k: number, alpha: number, a: FloatArray): PackedGemmOperand {
    checkGemm(m, 0, k, a, a, a);
    const double = a instanceof Float64Array;
    // Packed exactly when every product with it would run on the kernels (m·k·n ≥ the WASM
    // threshold for any n ≥ 1), so that multiply always matches gemm's own dispatch.
    if (alpha !== 0 && m > 0 && k > 0 && gemmUsesWasm(m, 1, k, double ? 'float64' : 'float32')) {
      const wasm = wasmPackOperand(transA, m, k, alpha, a, double);
      const operand = new PackedGemmOperand(transA, m, k, alpha, wasm, undefined);
      operands.register(operand, wasm, operand);
      return operand;
    }
    const copy = a.slice(0, m * k);
    return new PackedGemmOperand(transA, m, k, alpha, undefined, copy);
  }

  /** C (m×n) ← alpha·op(A)·op(B) + beta·C, with op(B) k×n (B is n×k when transB). */
  multiply(transB: boolean, n: number, b: FloatArray, beta: number, c: FloatArray): void {
    const { m, k } = this;
    if (this.released) throw new Error('PackedGemmOperand: multiply after release()');
    checkGemm(0, n, k, b, b, b);
    checkGemm(m, n, 0, c, c, c);
    if (n === 0 || m === 0) return;
    if (this.wasm) wasmGemmPacked(this.wasm, transB, n, b, beta, c);
    else gemm(this.transA, transB, m, n, k, this.alpha, this.copy as FloatArray, b, beta, c);
  }

  /** Frees the packed panels; the operand cannot be used afterwards. */
  release(): void {
    if (this.released) return;
    this.released = true;
    if (this.wasm) {
      operands.unregister(this);
      releasePackedOperand(this.wasm);
    }
  }
}

const operands = new FinalizationRegistry<WasmPackedOperand>(releasePackedOperand);
