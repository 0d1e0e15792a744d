/**
 * @tdlab/core/testing: small, exactly solvable parts for testing plugins against the real trainer,
 * and a finite-difference checker for the derivative products of any DifferentiableModel.
 *
 * @module @tdlab/core/testing
 */
export { checkModelDerivatives, DerivativeCheckError, derivativeCheckNames, formatDerivativeCheck } from './check-model-derivatives.js';
export { modelProducts } from './model-products.js';
export { LinearTestModel } from './linear-test-model.js';
export { inlineData, linearModel, linearModelPlugin } from './linear-model-plugin.js';
export { testModelContext } from './test-model-context.js';
export { testOptimizerContext } from './test-optimizer-context.js';
export { innerProduct, maxRelativeError, randomNormalVector, shiftedVector } from './vector-helpers.js';

export type { CheckModelDerivativesOptions, DerivativeCheckName, DerivativeCheckResult } from './check-model-derivatives.js';
export type { DerivativeProducts, ModelProducts } from './model-products.js';
export type { TestModelContextOptions } from './test-model-context.js';
export type { TestOptimizerContextOptions } from './test-optimizer-context.js';
