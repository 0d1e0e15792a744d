/**
 * @tdlab/tensor: typed-array kernels, seeded RNG and Lanczos for tdlab.
 *
 * @module @tdlab/tensor
 */
export { activationPass, gemmActivation, referenceActivationPass } from './activation.js';
export type { PiecewiseLinearActivation } from './activation.js';
export { allocate } from './float-array.js';
export { KernelWorkspace } from './kernel-workspace.js';
export { PackedGemmOperand } from './packed-operand.js';
export type { FloatArray, Precision } from './float-array.js';
export { allFinite, axpy, copy, dot, gemm, gemv, norm2, scale, sumOfSquares } from './blas.js';
export { isResident, startGemmThreads, stopGemmThreads } from './wasm/engine.js';
export { Rng } from './rng.js';
export { symmetricEigen } from './symmetric-eigen.js';
export type { EigenDecomposition } from './symmetric-eigen.js';
export type { LinearOperator } from './linear-operator.js';
export { lanczosTopEigen } from './lanczos.js';
export type { LanczosOptions, LanczosResult } from './lanczos.js';
export { powerIteration } from './power-iteration.js';
export type { PowerIterationOptions, PowerIterationResult } from './power-iteration.js';
