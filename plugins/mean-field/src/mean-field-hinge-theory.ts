import { type InputLaw } from './input-law.js';

/** A finite training set, row-major (n rows of d), labels ±1. */
export interface HingeTrainingSet {
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number>;
  readonly n: number;
}

export interface MeanFieldHingeTheoryOptions {
  /** Input dimension d. */
  readonly d: number;
  /** α in f(x) = (1/(αM)) Σ aᵢ ReLU(wᵢ·x/√d). */
  readonly alpha: number;
  /** The hinge threshold h of ℓ = (h − yf)₊. */
  readonly h: number;
  /** Initial standard deviations: aᵢ ~ N(0, σ_a²), wᵢ ~ N(0, σ_w² I). */
  readonly sigmaA: number;
  readonly sigmaW: number;
  /**
   * Optional: the units' initial second moments E[v vᵀ] of v = (a, w), (d+1)² row-major, instead of
   * diag(σ_a², σ_w² I). Given the empirical moments of a finite population closed under
   * (a, w) → (−a, −w), the theory is that population's exact flow (f is then exactly odd).
   */
  readonly initialCovariance?: ArrayLike<number>;
  /** The teacher direction ŵ* (normalized here); y = sign(ŵ*·x). */
  readonly teacher: ArrayLike<number>;
  /**
   * The data the loss averages over: a finite training set (finite N), or an isotropic input law
   * (N = ∞; the labels are the teacher's).
   */
  readonly data: { readonly kind: 'finite'; readonly train: HingeTrainingSet } | { readonly kind: 'infinite'; readonly law: InputLaw };
  /**
   * 1 for the mean hinge (1/N)Σℓ; N for the summed hinge Σℓ, whose flow is N times faster. Only
   * the mean is defined for N = ∞.
   */
  readonly lossScale?: number;
  /** The largest integration step in natural time; 0.01 by default. */
  readonly maxStep?: number;
  /** `rk4` (default) or `euler`. */
  readonly integrator?: 'rk4' | 'euler';
}

/** What the theory predicts at its current time (see the plugin README for each formula). */
export interface MeanFieldHingePrediction {
  readonly time: number;
  /** Fraction of training examples with yf < h (the "time-dependent data set"). */
  readonly unsatisfiedFraction: number;
  /** The loss (1/N)Σ(h − yf)₊ times lossScale: the study's loss. */
  readonly loss: number;
  /** Fraction of training examples with sign(f) ≠ y (sign(0) = +1). */
  readonly trainClassError: number;
  /** E[a²], E[w∥²], E[a·w∥], E‖w⊥‖² over the units (w∥ = ŵ*·w). */
  readonly a2Mean: number;
  readonly wParallel2Mean: number;
  readonly aWParallelMean: number;
  readonly wPerpendicular2Mean: number;
  /** The rate of the hyperbolic rotation, ‖g‖/√d, and its integral γ(t). */
  readonly speed: number;
  readonly gamma: number;
}

/**
 * The mean-field (M → ∞) gradient flow of f(x) = (1/(αM)) Σ aᵢ ReLU(wᵢ·x/√d) on the linear hinge
 * (h − yf)₊ with labels from a teacher direction (Pellegrini & Biroli 2020; README §2–3). In the
 * natural time of dθ/dt = −αM∇L every unit follows
 *
 *   ȧ = (1/√d)·w·g(t),   ẇ = (1/√d)·a·g(t),   g(t) = ½⟨u(x, t)·y·x⟩,   u = 1{y f(x, t) < h},
 *
 * one force g for all units, because the data set is closed under x → −x and f is odd (the ReLU pair
 * identity θ(w·x) + θ(−w·x) = 1). So (a, w)(t) = Φ(t)(a, w)(0) with Φ̇ = A(t)Φ,
 * A = (1/√d)[[0, gᵀ], [g, 0]], and the units stay jointly Gaussian with covariance Φ Σ₀ Φᵀ. The
 * output is f(x) = c(t)·x/(2α√d) with c = E[a·w], which closes the loop through u.
 *
 * The state is Φ ((d+1)² numbers) and γ; each step costs O(d²) plus O(N·d) for a finite set.
 */
export class MeanFieldHingeTheory {
  readonly d: number;
  private readonly size: number;
  private readonly teacher: Float64Array;
  /** Σ₀ = E[v vᵀ] at t = 0, (d+1)² row-major. */
  private readonly covariance0: Float64Array;
  private readonly lossScale: number;
  private readonly maxStep: number;
  private readonly phi: Float64Array;
  private gammaValue = 0;
  private timeValue = 0;
  // Scratch, allocated once: RK4 stages, the covariance column c, the force g.
  private readonly stage: Float64Array;
  private readonly slope: Float64Array;
  private readonly accumulated: Float64Array;
  private readonly c: Float64Array;
  private readonly g: Float64Array;
  private readonly parallelRow: Float64Array;
  private readonly weighted: Float64Array;

  constructor(readonly options: MeanFieldHingeTheoryOptions) {
    const { d, alpha, h, sigmaA, sigmaW, teacher } = options;
    if (!(Number.isInteger(d) && d >= 1)) throw new Error(`mean-field theory: d must be a positive integer (was ${d})`);
    for (const [name, value] of [['alpha', alpha], ['h', h], ['sigmaA', sigmaA], ['sigmaW', sigmaW]] as const) {
      if (!(Number.isFinite(value) && value > 0)) throw new Error(`mean-field theory: ${name} must be positive and finite (was ${value})`);
    }
    if (teacher.length !== d) throw new Error(`mean-field theory: the teacher has ${teacher.length} components, the inputs ${d}`);
    const norm = Math.hypot(...Array.from(teacher));
    if (!(norm > 0)) throw new Error('mean-field theory: the teacher direction is zero');
    this.d = d;
    this.size = d + 1;
    this.teacher = Float64Array.from(teacher, (v) => v / norm);
    this.covariance0 = new Float64Array(this.size * this.size);
    if (options.initialCovariance) {
      if (options.initialCovariance.length !== this.size * this.size) {
        throw new Error(`mean-field theory: initialCovariance has ${options.initialCovariance.length} entries, expected (d+1)² = ${this.size * this.size}`);
      }
      this.covariance0.set(options.initialCovariance);
    } else {
      for (let k = 0; k < this.size; k++) this.covariance0[k * this.size + k] = k === 0 ? sigmaA * sigmaA : sigmaW * sigmaW;
    }
    this.lossScale = options.lossScale ?? 1;
    if (options.data.kind === 'infinite' && this.lossScale !== 1) throw new Error('mean-field theory: with N = ∞ only the mean hinge is defined (lossScale 1)');
    if (options.data.kind === 'finite' && options.data.train.x.length !== options.data.train.n * d) {
      throw new Error(`mean-field theory: the training set has ${options.data.train.x.length} input values, expected n·d = ${options.data.train.n * d}`);
    }
    this.maxStep = options.maxStep ?? 0.01;
    if (!(this.maxStep > 0)) throw new Error(`mean-field theory: maxStep must be positive (was ${this.maxStep})`);
    const cells = this.size * this.size;
    this.phi = new Float64Array(cells);
    for (let i = 0; i < this.size; i++) this.phi[i * this.size + i] = 1;
    this.stage = new Float64Array(cells);
    this.slope = new Float64Array(cells);
    this.accumulated = new Float64Array(cells);
    this.c = new Float64Array(d);
    this.g = new Float64Array(d);
    this.parallelRow = new Float64Array(this.size);
    this.weighted = new Float64Array(this.size);
  }

  get time(): number {
    return this.timeValue;
  }

  /** Φ(t): (a, w)(t) = Φ(t)·(a, w)(0), row-major (d+1)², index 0 = a. Read-only view. */
  get propagator(): Float64Array {
    return this.phi;
  }

  /** Integrates from the current time to `t` (never backwards) in steps of at most `maxStep`. */
  advanceTo(t: number): void {
    if (t < this.timeValue - 1e-12) throw new Error(`mean-field theory: cannot go back from t = ${this.timeValue} to ${t}`);
    while (t - this.timeValue > 1e-12 * Math.max(1, t)) {
      const step = Math.min(this.maxStep, t - this.timeValue);
      if (this.options.integrator === 'euler') this.eulerStep(step);
      else this.rk4Step(step);
      this.timeValue += step;
    }
    this.timeValue = Math.max(this.timeValue, t);
  }

  /** (a(t), w∥(t)) of a unit that started at `initial` = (a, w₁ … w_d), from Φ(t). */
  unit(initial: ArrayLike<number>): { a: number; wParallel: number } {
    const { size, phi } = this;
    this.fillParallelRow(phi);
    let a = 0;
    let wParallel = 0;
    for (let k = 0; k < size; k++) {
      a += phi[k] * initial[k];
      wParallel += this.parallelRow[k] * initial[k];
    }
    return { a, wParallel };
  }

  /** f(x) = c·x/(2α√d) at the current time for the rows of `x` (n rows of d) into `out`. */
  outputs(x: ArrayLike<number>, n: number, out: Float64Array): void {
    this.covarianceColumn(this.phi, this.c);
    const { d, c } = this;
    const scale = 1 / (2 * this.options.alpha * Math.sqrt(d));
    for (let i = 0; i < n; i++) {
      let dot = 0;
      for (let j = 0; j < d; j++) dot += c[j] * x[i * d + j];
      out[i] = scale * dot;
    }
  }

  /** The test error of sign(f) against the teacher on isotropic inputs: angle(c, ŵ*)/π (½ when c = 0). */
  isotropicTestError(): number {
    this.covarianceColumn(this.phi, this.c);
    const { c, teacher } = this;
    let dot = 0;
    let norm2 = 0;
    for (let j = 0; j < this.d; j++) {
      dot += c[j] * teacher[j];
      norm2 += c[j] * c[j];
    }
    if (norm2 === 0) return 0.5;
    return Math.acos(Math.max(-1, Math.min(1, dot / Math.sqrt(norm2)))) / Math.PI;
  }

  predict(): MeanFieldHingePrediction {
    const { phi, size, d } = this;
    const speed = this.force(phi, this.g);
    const data = this.dataAverages();
    this.fillParallelRow(phi);
    const aRow = phi.subarray(0, size);
    let w2 = 0;
    for (let j = 1; j <= d; j++) {
      const row = phi.subarray(j * size, (j + 1) * size);
      w2 += this.quadratic(row, row);
    }
    const par2 = this.quadratic(this.parallelRow, this.parallelRow);
    return {
      time: this.timeValue,
      ...data,
      a2Mean: this.quadratic(aRow, aRow),
      wParallel2Mean: par2,
      aWParallelMean: this.quadratic(aRow, this.parallelRow),
      wPerpendicular2Mean: w2 - par2,
      speed,
      gamma: this.gammaValue,
    };
  }

  /** uᵀ Σ₀ v: the second moment E[(u·v₀)(v·v₀)] of two linear read-outs of the initial unit. */
  private quadratic(u: Float64Array, v: Float64Array): number {
    const { size, covariance0 } = this;
    let sum = 0;
    for (let k = 0; k < size; k++) {
      let inner = 0;
      for (let l = 0; l < size; l++) inner += covariance0[k * size + l] * v[l];
      sum += u[k] * inner;
    }
    return sum;
  }

  /** Unsatisfied fraction, loss and train class error at the current Φ. */
  private dataAverages(): { unsatisfiedFraction: number; loss: number; trainClassError: number } {
    this.covarianceColumn(this.phi, this.c);
    const { d, c, teacher } = this;
    const { h, alpha } = this.options;
    const scale = 1 / (2 * alpha * Math.sqrt(d));
    const data = this.options.data;
    if (data.kind === 'infinite') {
      let parallel = 0;
      for (let j = 0; j < d; j++) parallel += c[j] * teacher[j];
      const s = scale * parallel; // y·f = s·|x∥|
      const kappa = s > 0 ? h / s : Infinity;
      const fraction = data.law.fractionBelow(kappa);
      const loss = s > 0 ? h * fraction - s * data.law.absMomentBelow(kappa) : h - s * data.law.absMomentBelow(Infinity);
      return { unsatisfiedFraction: fraction, loss, trainClassError: s > 0 ? 0 : 0.5 };
    }
    const { x, y, n } = data.train;
    let unsatisfied = 0;
    let loss = 0;
    let wrong = 0;
    for (let i = 0; i < n; i++) {
      let dot = 0;
      for (let j = 0; j < d; j++) dot += c[j] * x[i * d + j];
      const f = scale * dot;
      const margin = y[i] * f;
      if (margin < h) {
        unsatisfied++;
        loss += h - margin;
      }
      if ((f >= 0 ? 1 : -1) !== y[i]) wrong++;
    }
    return { unsatisfiedFraction: unsatisfied / n, loss: (this.lossScale * loss) / n, trainClassError: wrong / n };
  }

  /** c_j = E[a·w_j] = Φ[1+j,:]·Σ₀·Φ[0,:]ᵀ, in O(d²) through the vector Σ₀Φ[0,:]ᵀ. */
  private covarianceColumn(phi: Float64Array, out: Float64Array): void {
    const { size, covariance0, weighted } = this;
    for (let l = 0; l < size; l++) {
      let sum = 0;
      for (let k = 0; k < size; k++) sum += covariance0[l * size + k] * phi[k];
      weighted[l] = sum;
    }
    for (let j = 0; j < this.d; j++) {
      const row = (j + 1) * size;
      let sum = 0;
      for (let l = 0; l < size; l++) sum += phi[row + l] * weighted[l];
      out[j] = sum;
    }
  }

  /** parallelRow[k] = Σ_j ŵ_j Φ[1+j,k]: the row of Φ that gives w∥. */
  private fillParallelRow(phi: Float64Array): void {
    const { size, teacher, parallelRow } = this;
    parallelRow.fill(0);
    for (let j = 0; j < this.d; j++) {
      const row = (j + 1) * size;
      const t = teacher[j];
      for (let k = 0; k < size; k++) parallelRow[k] += t * phi[row + k];
    }
  }

  /** g = ½⟨u·y·x⟩ (times lossScale) at Φ into `g`; returns the speed ‖g‖/√d. */
  private force(phi: Float64Array, g: Float64Array): number {
    const { d, c, teacher } = this;
    const { h, alpha } = this.options;
    this.covarianceColumn(phi, c);
    const scale = 1 / (2 * alpha * Math.sqrt(d));
    const data = this.options.data;
    if (data.kind === 'infinite') {
      let parallel = 0;
      for (let j = 0; j < d; j++) parallel += c[j] * teacher[j];
      const s = scale * parallel;
      const kappa = s > 0 ? h / s : Infinity;
      const magnitude = 0.5 * data.law.absMomentBelow(kappa);
      for (let j = 0; j < d; j++) g[j] = magnitude * teacher[j];
      return magnitude / Math.sqrt(d);
    }
    const { x, y, n } = data.train;
    g.fill(0);
    for (let i = 0; i < n; i++) {
      let dot = 0;
      const row = i * d;
      for (let j = 0; j < d; j++) dot += c[j] * x[row + j];
      if (y[i] * scale * dot < h) {
        const yi = y[i];
        for (let j = 0; j < d; j++) g[j] += yi * x[row + j];
      }
    }
    const factor = (0.5 * this.lossScale) / n;
    let norm2 = 0;
    for (let j = 0; j < d; j++) {
      g[j] *= factor;
      norm2 += g[j] * g[j];
    }
    return Math.sqrt(norm2 / d);
  }

  /** out = A(Φ)·Φ with A = (1/√d)[[0, gᵀ], [g, 0]]; returns the speed at Φ. */
  private derivative(phi: Float64Array, out: Float64Array): number {
    const { size, d, g } = this;
    const speed = this.force(phi, g);
    const inverseRoot = 1 / Math.sqrt(d);
    for (let k = 0; k < size; k++) {
      let sum = 0;
      for (let j = 0; j < d; j++) sum += g[j] * phi[(j + 1) * size + k];
      out[k] = inverseRoot * sum;
    }
    for (let j = 0; j < d; j++) {
      const gj = inverseRoot * g[j];
      const row = (j + 1) * size;
      for (let k = 0; k < size; k++) out[row + k] = gj * phi[k];
    }
    return speed;
  }

  private eulerStep(dt: number): void {
    const speed = this.derivative(this.phi, this.slope);
    const { phi, slope } = this;
    for (let i = 0; i < phi.length; i++) phi[i] += dt * slope[i];
    this.gammaValue += dt * speed;
  }

  private rk4Step(dt: number): void {
    const { phi, stage, slope, accumulated } = this;
    const cells = phi.length;
    let speed = this.derivative(phi, slope); // k₁
    let speedSum = speed;
    for (let i = 0; i < cells; i++) {
      accumulated[i] = slope[i];
      stage[i] = phi[i] + 0.5 * dt * slope[i];
    }
    speed = this.derivative(stage, slope); // k₂
    speedSum += 2 * speed;
    for (let i = 0; i < cells; i++) {
      accumulated[i] += 2 * slope[i];
      stage[i] = phi[i] + 0.5 * dt * slope[i];
    }
    speed = this.derivative(stage, slope); // k₃
    speedSum += 2 * speed;
    for (let i = 0; i < cells; i++) {
      accumulated[i] += 2 * slope[i];
      stage[i] = phi[i] + dt * slope[i];
    }
    speed = this.derivative(stage, slope); // k₄
    speedSum += speed;
    for (let i = 0; i < cells; i++) phi[i] += (dt / 6) * (accumulated[i] + slope[i]);
    this.gammaValue += (dt / 6) * speedSum;
  }
}
