import { buildPhaseGrid, type PhaseDiagramOptions, type PhaseDiagramRow } from './phase-diagram-grid.js';
import { rasterizeSvg } from './phase-diagram-png.js';
import { renderPhaseSvg } from './phase-diagram-svg.js';
import { renderPhaseText } from './phase-diagram-text.js';

export { classifyPhase, CATAPULT_RISE, phases, type Phase, type RunPhase } from './phase-diagram-phase.js';
export { buildPhaseGrid, type AxisValue, type PhaseCell, type PhaseDiagramOptions, type PhaseDiagramRow, type PhaseGrid } from './phase-diagram-grid.js';
export { phaseColors, emptyCellColor, NORMALIZED_LR_AXIS, CATAPULT_THRESHOLDS } from './phase-diagram-svg.js';
export { phaseSymbols } from './phase-diagram-format.js';
export { PNG_SCALE } from './phase-diagram-png.js';

/**
 * The phase diagram of a sweep, from its finished runs: the same grid as terminal text, SVG and
 * PNG. Writes nothing (the caller stores the files); it reads only the bundled font.
 *
 * Phases (see {@link classifyPhase}, papers.md §0 and §1a): `diverged` — outcome diverged or a
 * non-finite final loss; `catapult` — not diverged and peakLoss > initialLoss·(1 + 0.01), the
 * loss rose before converging; `lazy` — otherwise. The thresholds r = 2 and r = 4 drawn on a
 * `schedule.lr.normalized` axis are values of r = η·λ₀ with λ₀ the top eigenvalue of the NTK
 * matched to the loss convention (K for ½·Σ, K/n for ½·mean, 2K/n for mean without ½); the
 * classification reads only losses and does not depend on that convention.
 *
 * Grid: columns = values of `options.x`, rows = values of `options.y` (one row without it), numbers
 * in ascending order. Runs sharing a cell (other axes: seeds, …) are aggregated: the cell shows
 * the majority phase (a tie goes to the more severe phase) and, when its runs disagree, is marked
 * mixed — "D/C" in the text (phases present, majority first), stripes of the runner-up phase's color
 * over the majority color in the SVG/PNG. Each cell also reports the median peak/initial loss ratio
 * (NaN counts as ∞) and the median final η·λ (SVG tooltip).
 *
 * `text`: two aligned tables (phase symbols `·` lazy, `C` catapult, `D` diverged, `-` no run; then
 * the median ratio), highest y on top, with a legend. `svg`: self-contained, DejaVu Sans named.
 * `png`: the SVG at 2× on white, rendered by resvg with DejaVu Sans from the `dejavu-fonts-ttf`
 * npm package (no system fonts needed). Throws when a run has no value on x (or y).
 */
export function renderPhaseDiagram(
  rows: readonly PhaseDiagramRow[],
  options: PhaseDiagramOptions,
): { text: string; svg: string; png: Uint8Array } {
  const grid = buildPhaseGrid(rows, options);
  const svg = renderPhaseSvg(grid);
  return { text: renderPhaseText(grid), svg, png: rasterizeSvg(svg) };
}
