// @tdlab/core/testing: small, exactly solvable parts for testing plugins against the real trainer.
export { LinearTestModel } from './linear-test-model.js';
export { inlineData, linearModel, linearModelPlugin } from './linear-model-plugin.js';
