import type { DataSet, DifferentiableModel, Loss } from '@tdlab/core';

/**
 * Where a two-layer network keeps its units: an outer block of M weights (aᵢ) and an inner block of
 * M×d weights (row i = wᵢ), found by shape so `mean-field-two-layer` (a, w) and `two-layer` (v, u)
 * both qualify.
 */
export interface HiddenUnitLayout {
  readonly width: number;
  readonly inputDim: number;
  readonly outerOffset: number;
  readonly innerOffset: number;
}

export function hiddenUnitLayout(model: DifferentiableModel, probe: string): HiddenUnitLayout {
  const d = model.inputDim;
  const inner = model.blocks.find((block) => block.shape.length === 2 && block.shape[1] === d);
  const outer = inner && model.blocks.find((block) => block.shape.length === 1 && block.shape[0] === inner.shape[0]);
  if (!inner || !outer) {
    const blocks = model.blocks.map((block) => `${block.name} [${block.shape.join('×')}]`).join(', ');
    throw new Error(`probe "${probe}" needs a two-layer network with an outer block [M] and an inner block [M×${d}]; this model has ${blocks || 'no blocks'}`);
  }
  return { width: inner.shape[0], inputDim: d, outerOffset: outer.offset, innerOffset: inner.offset };
}

/** The teacher direction ŵ* of a data set that carries one (`sign-teacher`), normalized. */
export function teacherDirection(data: DataSet, probe: string): Float64Array {
  const teacher = (data as { teacher?: ArrayLike<number> }).teacher;
  if (!teacher || teacher.length !== data.inputDim) {
    throw new Error(`probe "${probe}" needs a data set with a teacher direction (such as sign-teacher) to split w into w∥ and w⊥`);
  }
  const norm = Math.hypot(...Array.from(teacher));
  return Float64Array.from(teacher, (v) => v / norm);
}

/** The threshold h of a hinge loss (`linear-hinge`, `hinge`), or undefined for any other loss. */
export function hingeThreshold(loss: Loss): number | undefined {
  const h = (loss as { h?: unknown }).h;
  return typeof h === 'number' ? h : undefined;
}
