import { type } from 'arktype';
import { ContributionRegistry } from '@tdlab/core';
import { describe, expect, it } from 'vitest';
import plugin, { armDistanceProbe, evalAccuracyProbe, evalLossProbe, lossProbe, normalizedLrProbe, ntkTopEigenvalueProbe, weightNormProbe } from './index.js';

describe('@tdlab/plugin-probes', () => {
  it('registers every first-party probe with the core', () => {
    const registry = new ContributionRegistry();
    registry.register(plugin);
    expect(registry.list('probe').map((entry) => [entry.contribution.id, entry.plugin])).toEqual([
      ['loss', '@tdlab/plugin-probes@0.1.0'],
      ['ntk-top-eigenvalue', '@tdlab/plugin-probes@0.1.0'],
      ['weight-norm', '@tdlab/plugin-probes@0.1.0'],
      ['normalized-lr', '@tdlab/plugin-probes@0.1.0'],
      ['eval-loss', '@tdlab/plugin-probes@0.1.0'],
      ['eval-accuracy', '@tdlab/plugin-probes@0.1.0'],
      ['arm-distance', '@tdlab/plugin-probes@0.1.0'],
      ['activation-sparsity', '@tdlab/plugin-probes@0.1.0'],
      ['hessian-top-eigenvalue', '@tdlab/plugin-probes@0.1.0'],
      ['hessian-trace', '@tdlab/plugin-probes@0.1.0'],
      ['ntk-top-k', '@tdlab/plugin-probes@0.1.0'],
      ['kernel-distance', '@tdlab/plugin-probes@0.1.0'],
      ['kernel-alignment', '@tdlab/plugin-probes@0.1.0'],
      ...['update-cosine', 'distance-from-init', 'gradient-norm', 'phase', 'catapult-events'].map((id) => [id, '@tdlab/plugin-probes@0.1.0']),
    ]);
    expect(registry.find('probe', 'loss')?.contribution).toBe(lossProbe);
    expect(registry.find('probe', 'ntk-top-eigenvalue')?.contribution).toBe(ntkTopEigenvalueProbe);
    expect(registry.find('probe', 'weight-norm')?.contribution).toBe(weightNormProbe);
    expect(registry.find('probe', 'normalized-lr')?.contribution).toBe(normalizedLrProbe);
    expect(registry.find('probe', 'eval-loss')?.contribution).toBe(evalLossProbe);
    expect(registry.find('probe', 'eval-accuracy')?.contribution).toBe(evalAccuracyProbe);
    expect(registry.find('probe', 'arm-distance')?.contribution).toBe(armDistanceProbe);
  });

  it('registers the curvature and kernel probes (issue 5)', async () => {
    const probes = await import('./index.js');
    const registry = new ContributionRegistry();
    registry.register(plugin);
    for (const probe of [probes.hessianTopEigenvalueProbe, probes.hessianTraceProbe, probes.ntkTopKProbe, probes.kernelDistanceProbe, probes.kernelAlignmentProbe]) {
      expect(registry.find('probe', probe.id)?.contribution).toBe(probe);
      expect(probe.options.onUndeclaredKey('reject')({ every: 2 })).toBeInstanceOf(type.errors);
    }
  });

  it('registers the dynamics probes (issue 5)', async () => {
    const probes = await import('./index.js');
    const registry = new ContributionRegistry();
    registry.register(plugin);
    for (const probe of [probes.updateCosineProbe, probes.distanceFromInitProbe, probes.gradientNormProbe, probes.phaseProbe, probes.catapultEventsProbe]) {
      expect(registry.find('probe', probe.id)?.contribution).toBe(probe);
      expect(probe.options.onUndeclaredKey('reject')({ every: 2 })).toBeInstanceOf(type.errors);
    }
  });

  it('leaves every: to the core (no probe declares it)', () => {
    for (const probe of [lossProbe, ntkTopEigenvalueProbe, weightNormProbe, normalizedLrProbe, evalLossProbe, evalAccuracyProbe, armDistanceProbe]) {
      expect(probe.options.onUndeclaredKey('reject')({ every: 2 })).toBeInstanceOf(type.errors);
    }
  });
});
