// The dynamics probes of issue 5, gathered so that index.ts registers them in one line.
export { catapultEventsProbe, LossSpikeDetector } from './catapult-events-probe.js';
export type { LossSpike } from './catapult-events-probe.js';
export { distanceFromInitProbe } from './distance-from-init-probe.js';
export { gradientNormProbe } from './gradient-norm-probe.js';
export { classifyPhase, phaseNames, phaseProbe } from './phase-probe.js';
export type { PhaseEvidence, PhaseName, PhaseThresholds } from './phase-probe.js';
export { updateCosineProbe } from './update-cosine-probe.js';
