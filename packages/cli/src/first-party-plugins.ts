import data from '@tdlab/plugin-data';
import linear from '@tdlab/plugin-linear';
import meanField from '@tdlab/plugin-mean-field';
import models from '@tdlab/plugin-models';
import optimizers from '@tdlab/plugin-optimizers';
import probes from '@tdlab/plugin-probes';
import schedules from '@tdlab/plugin-schedules';
import sinks from '@tdlab/plugin-sinks';
import type { TdlabPlugin } from '@tdlab/core';

/** The plugins the CLI always loads; others come from a study's `plugins:` list. */
export const firstPartyPlugins: readonly TdlabPlugin[] = [data, models, linear, meanField, optimizers, schedules, probes, sinks];
