import { type StepEvent, StudySpecError, Tdlab } from '@tdlab/core';
import { linearModelPlugin, testOptimizerContext } from '@tdlab/core/testing';
import dataPlugin from '@tdlab/plugin-data';
import schedulesPlugin from '@tdlab/plugin-schedules';
import { type FloatArray } from '@tdlab/tensor';
import { describe, expect, it } from 'vitest';
import optimizersPlugin, { GradientFlow, gradientFlow } from './index.js';

/** L(θ) = ½ Σ aᵢθᵢ²: the flow dθ/dt = −c·aθ has θ(t) = θ₀e^{−c·a·t}. */
const curvatures = [0.5, 1, 3];
const quadraticGradient = (params: FloatArray, out: FloatArray): void => {
  for (let i = 0; i < params.length; i++) out[i] = curvatures[i] * params[i];
};

function integrate(method: 'euler' | 'rk4', dt: number, t: number, c = 1): Float64Array {
  const theta = Float64Array.from([1, -2, 0.5]);
  const flow = new GradientFlow(3, dt, method, c, quadraticGradient);
  const gradient = new Float64Array(3);
  const steps = Math.round(t / dt);
  for (let s = 0; s < steps; s++) {
    quadraticGradient(theta, gradient);
    flow.update(theta, gradient, flow.fixedLearningRate, s);
  }
  return theta;
}

function exact(t: number, c = 1): Float64Array {
  return Float64Array.from([1, -2, 0.5], (v, i) => v * Math.exp(-c * curvatures[i] * t));
}

function maxError(a: Float64Array, b: Float64Array): number {
  return Math.max(...a.map((v, i) => Math.abs(v - b[i])));
}

describe('gradient-flow', () => {
  it('one RK4 step on a linear flow multiplies by the degree-4 Taylor polynomial of e^{−z}, Euler by 1 − z', () => {
    for (const method of ['euler', 'rk4'] as const) {
      const dt = 0.3;
      const c = 2;
      const after = integrate(method, dt, dt, c);
      after.forEach((value, i) => {
        const z = c * curvatures[i] * dt;
        const factor = method === 'euler' ? 1 - z : 1 - z + z ** 2 / 2 - z ** 3 / 6 + z ** 4 / 24;
        expect(value).toBeCloseTo([1, -2, 0.5][i] * factor, 14);
      });
    }
  });

  it('converges to the exact flow at order 4 (RK4) and order 1 (Euler) in dt', () => {
    const t = 2;
    const rk4 = [0.1, 0.05].map((dt) => maxError(integrate('rk4', dt, t), exact(t)));
    const euler = [0.02, 0.01].map((dt) => maxError(integrate('euler', dt, t), exact(t)));
    // Halving dt divides the global error by ≈ 2⁴ = 16 for RK4 and ≈ 2 for Euler.
    expect(rk4[0] / rk4[1]).toBeGreaterThan(13);
    expect(rk4[0] / rk4[1]).toBeLessThan(19);
    expect(euler[0] / euler[1]).toBeGreaterThan(1.8);
    expect(euler[0] / euler[1]).toBeLessThan(2.2);
    expect(rk4[1]).toBeLessThan(1e-6);
  });

  it("runs in the model's natural time: c·dt is the Euler learning rate, t = step·dt whatever c is", () => {
    // With c = 4 and dt = 0.05 the flow at t is the c = 1 flow at 4t.
    expect(maxError(integrate('rk4', 0.05, 1, 4), exact(1, 4))).toBeLessThan(1e-5);
    const flow = gradientFlow.create({ dt: 0.05, method: 'rk4', weightDecay: 0 }, testOptimizerContext(3, { timeScale: 4, gradientAt: quadraticGradient }));
    expect(flow.fixedLearningRate).toBeCloseTo(0.2, 15);
  });

  it('weight decay adds −cλθ to the flow', () => {
    const theta = Float64Array.from([1, 1, 1]);
    const flow = new GradientFlow(3, 0.1, 'euler', 1, quadraticGradient, 0.5);
    const gradient = new Float64Array(3);
    quadraticGradient(theta, gradient);
    flow.update(theta, gradient, 0.1, 0);
    expect(Array.from(theta)).toEqual(curvatures.map((a) => 1 - 0.1 * (a + 0.5)));
  });

  it('rejects a non-positive dt', () => {
    expect(() => new GradientFlow(3, 0, 'euler', 1, quadraticGradient)).toThrow(/dt must be a positive/);
  });
});

describe('gradient-flow in a study (no schedule)', () => {
  const tdlab = new Tdlab([dataPlugin, optimizersPlugin, schedulesPlugin, linearModelPlugin]);
  const spec = {
    name: 'flow',
    seed: 1,
    data: { use: 'gaussian-teacher', n: 10, d: 3 },
    model: { use: 'linear' },
    loss: { use: 'mse', reduction: 'mean', half: true },
    optimizer: { use: 'gradient-flow', dt: 0.1, method: 'rk4' },
    steps: 40,
  };
  const collect = (study: object): Promise<StepEvent[]> =>
    new Promise((resolve, reject) => {
      const events: StepEvent[] = [];
      tdlab.run(study).subscribe({ next: (event) => events.push({ ...event, state: { ...event.state, time: event.state.time } }), error: reject, complete: () => resolve(events) });
    });

  it('steps t by dt, reports c·dt as the learning rate, and lowers the loss monotonically', async () => {
    const events = await collect(spec);
    expect(events).toHaveLength(41);
    events.forEach((event, step) => {
      expect(event.lr).toBe(0.1);
      expect(event.state.time).toBeCloseTo(0.1 * step, 12);
    });
    for (let s = 1; s < events.length; s++) expect(events[s].loss).toBeLessThan(events[s - 1].loss);
  });

  it('a schedule next to gradient-flow, or no schedule with gd, is a spec error naming `schedule`', async () => {
    await expect(collect({ ...spec, schedule: { use: 'constant', lr: 0.1 } })).rejects.toThrow(StudySpecError);
    await expect(collect({ ...spec, schedule: { use: 'constant', lr: 0.1 } })).rejects.toThrow(/schedule: must be left out: optimizer "gradient-flow" sets its own step/);
    await expect(collect({ ...spec, optimizer: { use: 'gd' } })).rejects.toThrow(/schedule: is required: optimizer "gd" takes its learning rate from the schedule/);
  });
});
