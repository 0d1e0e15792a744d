import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { allocate, type FloatArray, type Precision } from '@tdlab/tensor';
import { type BenchCase, median, type Timing } from './harness.js';
import { applyJaxShims } from './jax-js-shims.js';

/*
 * The optional jax-js side of `pnpm bench` (issue 3: tdlab must be faster than jax-js, the best
 * TypeScript peer). @jax-js/jax is an optionalDependency of test/: it is loaded with a dynamic
 * import() behind the Node 20 shims (jax-js-shims.ts), and anything that goes wrong while loading
 * it makes it "not available (reason)" and nothing else.
 *
 * Each workload is written as a jax-js user would write it: the same math as the numpy reference,
 * gradients by `grad`, `vjp` and `linearize`, the whole step under `jit`, on arrays made from the
 * very inputs tdlab generated. jax-js is lazy, so each timed run ends by awaiting `.data()` of its
 * result, which dispatches the kernels and waits for them.
 */

// ---- the part of the jax-js API used here ---------------------------------------------------
// Declared locally rather than imported, so the type check does not depend on the optional package.

/** A jax-js array. Every function consumes its array arguments; `.ref` adds a reference. */
interface JaxArray {
  readonly ref: JaxArray;
  readonly shape: number[];
  readonly dtype: string;
  add(other: JaxArray | number): JaxArray;
  sub(other: JaxArray | number): JaxArray;
  mul(other: JaxArray | number): JaxArray;
  div(other: JaxArray | number): JaxArray;
  greater(other: JaxArray | number): JaxArray;
  sum(axis?: number): JaxArray;
  transpose(perm?: number[]): JaxArray;
  /** Evaluates the array, waits for its kernels, returns a copy of its data and disposes it. */
  data(): Promise<Float32Array | Float64Array>;
  dispose(): void;
}

type Owned<F> = F & { dispose(): void };

interface JaxModule {
  init(...devices: string[]): Promise<string[]>;
  defaultDevice(device?: string): string;
  numpy: {
    array(data: FloatArray, options: { shape: number[] }): JaxArray;
    matmul(x: JaxArray, y: JaxArray): JaxArray;
    where(condition: JaxArray, x: JaxArray | number, y: JaxArray | number): JaxArray;
    sqrt(x: JaxArray): JaxArray;
    full(shape: number[], value: number, options: { dtype: string }): JaxArray;
  };
  jit<A extends unknown[], R>(f: (...args: A) => R): Owned<(...args: A) => R>;
  grad<P, A extends unknown[]>(f: (params: P, ...rest: A) => JaxArray): (params: P, ...rest: A) => P;
  vjp<P extends JaxArray[]>(
    f: (...params: P) => JaxArray,
    primals: P,
  ): [JaxArray, Owned<(cotangent: JaxArray) => P>];
  linearize<P extends JaxArray[]>(
    f: (...params: P) => JaxArray,
    primals: P,
  ): [JaxArray, Owned<(...tangents: P) => JaxArray>];
}

export interface JaxRuntime {
  readonly jax: JaxModule;
  readonly version: string;
  /** Device the arrays live on ('wasm'). */
  readonly device: string;
  /** Size of jax-js's Wasm worker pool, 1 when it runs on the main thread. */
  readonly threads: number;
}

const PACKAGE = '@jax-js/jax';

function packageVersion(): string {
  try {
    // The package's exports do not include package.json; it sits one level above dist/index.js.
    const path = fileURLToPath(new URL('../package.json', import.meta.resolve(PACKAGE)));
    return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown version';
  }
}

/**
 * Imports jax-js and starts its Wasm back end (its fastest on a CPU; `init` compiles the back end,
 * then a small product checks that it computes). Returns the runtime, or why it is not available.
 */
export async function loadJax(): Promise<JaxRuntime | { unavailable: string }> {
  try {
    applyJaxShims();
    // A specifier in a variable: the type check must not need the optional package.
    const specifier: string = PACKAGE;
    const jax = (await import(specifier)) as JaxModule;
    const devices = await jax.init('wasm');
    if (!devices.includes('wasm')) return { unavailable: `no wasm device (found ${devices.join(', ') || 'none'})` };
    jax.defaultDevice('wasm');
    const np = jax.numpy;
    const probe = await np
      .matmul(np.array(new Float32Array([1, 2, 3, 4]), { shape: [2, 2] }), np.array(new Float32Array([1, 1]), { shape: [2] }))
      .data();
    if (probe[0] !== 3 || probe[1] !== 7) return { unavailable: `wrong result of a 2×2 product: ${Array.from(probe).join(', ')}` };
    const threads =
      typeof (globalThis as { Worker?: unknown }).Worker === 'function' && typeof SharedArrayBuffer === 'function'
        ? ((globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 4)
        : 1;
    return { jax, version: packageVersion(), device: 'wasm', threads };
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    if (code === 'ERR_MODULE_NOT_FOUND' && message?.includes(PACKAGE)) {
      return { unavailable: `${PACKAGE} is not installed; it is an optional dependency of test/, added by pnpm install` };
    }
    return { unavailable: (message ?? String(error)).split('\n')[0] };
  }
}

// ---- workloads ------------------------------------------------------------------------------

/** One workload in jax-js, on the inputs of the tdlab case it is compared with. */
export interface JaxCase {
  /** The timed work of one repetition, ending when its result is computed and read back. */
  run(): Promise<void>;
  /** The result of the last repetition, in the same layout as the tdlab case's `result()`. */
  result(): FloatArray;
  /** Frees the jax-js arrays and compiled functions. */
  dispose(): void;
}

/** relu with relu'(0) = 0 like tdlab and the numpy reference (jax-js's `nn.relu` = max(z, 0) has slope 1 at 0). */
function relu(np: JaxModule['numpy'], z: JaxArray): JaxArray {
  return np.where(z.ref.greater(0), z, 0);
}

/**
 * A scalar of X's dtype. Under `jit`, jax-js 0.1.25 rounds plain JS numbers in a float64
 * computation to float32 (`x.mul(0.1)` multiplies by 0.10000000149), which fails W2's float64 check
 * by 1.5e-8; a typed constant keeps full precision.
 */
function scalar(np: JaxModule['numpy'], value: number, like: JaxArray): JaxArray {
  return np.full([], value, { dtype: like.dtype });
}

/** f = m^{-1/2} relu(X Uᵀ / √d) v, one output per row of X (n). Consumes U, v and X. */
function twoLayerNet(np: JaxModule['numpy'], d: number, m: number, U: JaxArray, v: JaxArray, X: JaxArray): JaxArray {
  const [s, c] = [scalar(np, 1 / Math.sqrt(d), X), scalar(np, 1 / Math.sqrt(m), X)];
  const z = np.matmul(X, U.transpose()).mul(s);
  return np.matmul(relu(np, z), v).mul(c);
}

function w1(jax: JaxModule, bench: BenchCase): JaxCase {
  const np = jax.numpy;
  const { m, n, k } = bench.meta;
  const a = np.array(bench.inputs.a, { shape: [m, k] });
  const b = np.array(bench.inputs.b, { shape: [k, n] });
  let c: FloatArray = new Float32Array(0);
  return {
    run: async () => {
      c = await np.matmul(a.ref, b.ref).data();
    },
    result: () => c,
    dispose: () => {
      a.dispose();
      b.dispose();
    },
  };
}

type Params = { U: JaxArray; v: JaxArray };

function w2(jax: JaxModule, bench: BenchCase, precision: Precision): JaxCase {
  const np = jax.numpy;
  const { n, d, m, eta } = bench.meta;
  const { x, y, theta } = bench.inputs;
  const X = np.array(x, { shape: [n, d] });
  const Y = np.array(y, { shape: [n] });
  const U0 = np.array(theta.subarray(0, m * d), { shape: [m, d] });
  const v0 = np.array(theta.subarray(m * d), { shape: [m] });
  // L = ½·Σ(f − y)², so ∂L/∂f = f − y = r and grad L = Jᵀr, as in tdlab and numpy.
  const loss = (p: Params, X: JaxArray, Y: JaxArray): JaxArray => {
    const r = twoLayerNet(np, d, m, p.U, p.v, X).sub(Y);
    return r.ref.mul(r).sum().mul(scalar(np, 0.5, Y));
  };
  const step = jax.jit((p: Params, X: JaxArray, Y: JaxArray): Params => {
    const lr = scalar(np, eta, X);
    const g = jax.grad(loss)({ U: p.U.ref, v: p.v.ref }, X, Y);
    return { U: p.U.sub(g.U.mul(lr.ref)), v: p.v.sub(g.v.mul(lr)) };
  });
  const out = allocate(precision, theta.length);
  return {
    run: async () => {
      const next = step({ U: U0.ref, v: v0.ref }, X.ref, Y.ref);
      const [u, v] = await Promise.all([next.U.data(), next.v.data()]);
      out.set(u, 0);
      out.set(v, m * d);
    },
    result: () => out,
    dispose: () => {
      step.dispose();
      for (const array of [X, Y, U0, v0]) array.dispose();
    },
  };
}

function w3(jax: JaxModule, bench: BenchCase, precision: Precision): JaxCase {
  const np = jax.numpy;
  const { n, d, m, iterations } = bench.meta;
  const { x, theta, start } = bench.inputs;
  const X = np.array(x, { shape: [n, d] });
  const U = np.array(theta.subarray(0, m * d), { shape: [m, d] });
  const v = np.array(theta.subarray(m * d), { shape: [m] });
  const b0 = np.array(start, { shape: [n] });
  const norm = (a: JaxArray): JaxArray => np.sqrt(a.ref.mul(a).sum());
  // vjp and linearize once (Z and the masks, like tdlab's `linearize` and numpy's closures), then
  // 20 power iterations b ← K b / ‖K b‖ with K b = J(Jᵀ b); the estimate is the last bᵀ K b.
  // The whole computation under `jit` (the loop unrolled): at the --quick size ~10× faster than
  // eager, at full size about as fast (eager runs ~1 ms of dispatch per op, jit's fused kernels
  // are no faster at full size).
  const top = jax.jit((U: JaxArray, v: JaxArray, X: JaxArray, b0: JaxArray): JaxArray => {
    const f = (U: JaxArray, v: JaxArray): JaxArray => twoLayerNet(np, d, m, U, v, X.ref);
    const [f1, vjpFn] = jax.vjp(f, [U.ref, v.ref]);
    const [f2, jvpFn] = jax.linearize(f, [U, v]);
    f1.dispose();
    f2.dispose();
    let b = b0.ref.div(norm(b0));
    let lambda: JaxArray | undefined;
    for (let it = 0; it < iterations; it++) {
      const [tU, tv] = vjpFn(b.ref);
      const kb = jvpFn(tU, tv);
      lambda?.dispose();
      lambda = b.mul(kb.ref).sum();
      b = kb.ref.div(norm(kb));
    }
    b.dispose();
    vjpFn.dispose();
    jvpFn.dispose();
    X.dispose();
    return lambda!;
  });
  const out = allocate(precision, 1);
  return {
    run: async () => {
      out.set(await top(U.ref, v.ref, X.ref, b0.ref).data());
    },
    result: () => out,
    dispose: () => {
      top.dispose();
      for (const array of [X, U, v, b0]) array.dispose();
    },
  };
}

const CASES: Record<string, (jax: JaxModule, bench: BenchCase, precision: Precision) => JaxCase> = {
  W1: w1,
  W2: w2,
  W3: w3,
};

/** The jax-js version of workload `id` on `bench`'s inputs, or undefined if there is none. */
export function prepareJaxCase(
  runtime: JaxRuntime,
  id: string,
  bench: BenchCase,
  precision: Precision,
): JaxCase | undefined {
  return CASES[id]?.(runtime.jax, bench, precision);
}

const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 10));

/**
 * Times a jax-js case like harness.ts's `timeCase` times tdlab: `warmup` untimed runs (the first
 * also traces and compiles a jitted step), then `reps` timed ones after a 10 ms pause each. When
 * the last warm-up run shows that `reps` runs would take over `budgetMs`, fewer are timed, down to
 * a single one (not 3 as for tdlab: jax-js's float64 runs take from seconds to minutes each).
 */
export async function timeJaxCase(jaxCase: JaxCase, warmup: number, reps: number, budgetMs: number): Promise<Timing> {
  let last = 0;
  for (let i = 0; i < warmup; i++) {
    const start = performance.now();
    await jaxCase.run();
    last = performance.now() - start;
    await pause();
  }
  const count = last > 0 ? Math.min(reps, Math.max(1, Math.floor(budgetMs / last))) : reps;
  const times: number[] = [];
  let cpu = 0;
  for (let i = 0; i < count; i++) {
    await pause();
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    await jaxCase.run();
    times.push(performance.now() - start);
    const used = process.cpuUsage(cpuStart);
    cpu += (used.user + used.system) / 1000;
  }
  const wall = times.reduce((a, b) => a + b, 0);
  return { times, median: median(times), cores: wall > 0 ? cpu / wall : Number.NaN };
}
