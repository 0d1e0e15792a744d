/**
 * A symmetric linear map applied matrix-free, e.g. the NTK v ↦ J(Jᵀv) or a Hessian-vector
 * product. It writes A·v into out (same length as v), must not modify v, and out never aliases v.
 */
export type LinearOperator = (v: Float64Array, out: Float64Array) => void;
