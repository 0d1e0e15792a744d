import type { RunOutcome, StudySpec } from '@tdlab/core';
import { type HParamValue, SessionStatus } from './tensorboard-protos.js';

/** Spec sections that are lists of parts, not hyperparameters (arrays are never flattened). */
const SKIPPED = new Set(['arms', 'plugins', 'probes', 'sinks']);

/**
 * The hyperparameters of a run, for TensorBoard's hparams plugin: every number, string and
 * boolean of the resolved spec by its dotted path (`seed`, `model.use`, `model.width`,
 * `schedule.lr.normalized`, `loss.reduction`, …); lists (probes, sinks, plugins) are left out.
 * For an arm of a study with `arms:`, `model.*` are that arm's model options, and `arm` names it.
 */
export function runHParams(spec: StudySpec, arm?: string): Map<string, HParamValue> {
  const hparams = new Map<string, HParamValue>();
  const root = spec as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(root ?? {})) {
    if (SKIPPED.has(key)) continue;
    const section = key === 'model' && arm !== undefined && arm !== 'model' ? spec.arms?.[arm] : value;
    flatten(key, section, hparams);
  }
  if (arm !== undefined) hparams.set('arm', arm);
  return hparams;
}

function flatten(path: string, value: unknown, into: Map<string, HParamValue>): void {
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') {
    into.set(path, value);
  } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) flatten(`${path}.${key}`, inner, into);
  }
}

/**
 * The hparams session status of an outcome: a run that took its steps or converged succeeded; a
 * diverged one failed (so the hparams table can filter divergent runs); a cancelled one is unknown.
 */
export function sessionStatus(outcome: RunOutcome): SessionStatus {
  switch (outcome) {
    case 'converged':
    case 'max-steps':
      return SessionStatus.success;
    case 'diverged':
      return SessionStatus.failure;
    case 'cancelled':
      return SessionStatus.unknown;
  }
}
