import { definePlugin, ScheduleContribution } from '@tdlab/core';
import { ContainerModule } from 'inversify';
import { ConstantSchedule, constantSchedule } from './constant.js';
import { CosineSchedule, cosineSchedule } from './cosine.js';
import { CurvatureLockedSchedule, curvatureLockedSchedule, NTK_LAMBDA } from './curvature-locked.js';
import { ExponentialSchedule, exponentialSchedule } from './exponential.js';
import { InverseSqrtSchedule, inverseSqrtSchedule } from './inverse-sqrt.js';
import { LinearWarmupSchedule, linearWarmupSchedule } from './linear-warmup.js';
import { PiecewiseSchedule, piecewiseSchedule } from './piecewise.js';
import { StepDecaySchedule, stepSchedule } from './step-decay.js';

export { ConstantSchedule, constantSchedule };
export { StepDecaySchedule, stepSchedule };
export { ExponentialSchedule, exponentialSchedule };
export { CosineSchedule, cosineSchedule };
export { LinearWarmupSchedule, linearWarmupSchedule };
export { InverseSqrtSchedule, inverseSqrtSchedule };
export { PiecewiseSchedule, piecewiseSchedule };
export { CurvatureLockedSchedule, curvatureLockedSchedule, NTK_LAMBDA };

/** The schedules plugin: constant, decays, warmup and the curvature-locked schedule. */
const schedulesPlugin = definePlugin({
  name: '@tdlab/plugin-schedules',
  version: '0.1.0',
  coreApi: '^0.1.0',
  module: new ContainerModule(({ bind }) => {
    for (const schedule of [
      constantSchedule,
      stepSchedule,
      exponentialSchedule,
      cosineSchedule,
      linearWarmupSchedule,
      inverseSqrtSchedule,
      piecewiseSchedule,
      curvatureLockedSchedule,
    ]) {
      bind(ScheduleContribution).toConstantValue(schedule);
    }
  }),
});

export default schedulesPlugin;
