import { DataSetContribution } from './data-set-contribution.js';
import { LossContribution } from './loss-contribution.js';
import { ModelContribution } from './model-contribution.js';
import { OptimizerContribution } from './optimizer-contribution.js';
import { ProbeContribution } from './probe-contribution.js';
import { ScheduleContribution } from './schedule-contribution.js';
import { SinkContribution } from './sink-contribution.js';

/** The contribution kinds, named as the study sections that select them. */
export type ContributionKind = 'data' | 'model' | 'loss' | 'optimizer' | 'schedule' | 'probe' | 'sink';

/** The multi-injection token each kind is bound under. */
export const contributionTokens: Readonly<Record<ContributionKind, symbol>> = {
  data: DataSetContribution,
  model: ModelContribution,
  loss: LossContribution,
  optimizer: OptimizerContribution,
  schedule: ScheduleContribution,
  probe: ProbeContribution,
  sink: SinkContribution,
};

export const contributionKinds = Object.keys(contributionTokens) as ContributionKind[];
