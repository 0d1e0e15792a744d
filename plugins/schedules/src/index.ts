import { definePlugin, ScheduleContribution } from '@tdlab/core';
import { ContainerModule } from 'inversify';
import { ConstantSchedule, constantSchedule } from './constant.js';

export { ConstantSchedule, constantSchedule };

/** The schedules plugin: the constant learning rate. */
const schedulesPlugin = definePlugin({
  name: '@tdlab/plugin-schedules',
  version: '0.1.0',
  coreApi: '^0.1.0',
  module: new ContainerModule(({ bind }) => {
    bind(ScheduleContribution).toConstantValue(constantSchedule);
  }),
});

export default schedulesPlugin;
