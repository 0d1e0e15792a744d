import type { PhaseCell, PhaseGrid } from './phase-diagram-grid.js';
import { cellSymbol, formatRatio, formatValue } from './phase-diagram-format.js';
import { phases, type Phase } from './phase-diagram-phase.js';

/** Cell fill of each phase (Paul Tol's "vibrant" scheme, readable with the common color deficiencies). */
export const phaseColors: Readonly<Record<Phase, string>> = { lazy: '#0077BB', catapult: '#EE7733', diverged: '#CC3311' };
/** Fill of a cell no run landed in. */
export const emptyCellColor = '#EEEEEE';
/** The axis along which the catapult thresholds r = 2 and r = 4 (papers.md §1a) are drawn. */
export const NORMALIZED_LR_AXIS = 'schedule.lr.normalized';
/** r = 2: lazy → catapult (η_crit = 2/λ₀); r = 4: catapult → divergence in the uv model (η_max = 4/λ₀). */
export const CATAPULT_THRESHOLDS: readonly number[] = [2, 4];

/** The font the SVG names (shipped to the rasterizer by phase-diagram-png.ts; viewers fall back to sans-serif). */
const FONT = "'DejaVu Sans', sans-serif";
const textColors: Readonly<Record<Phase, string>> = { lazy: '#FFFFFF', catapult: '#000000', diverged: '#FFFFFF' };

/** Estimated advance of a DejaVu Sans string (its digits are 0.636 em wide): sizes the margins. */
const textWidth = (text: string, size: number) => text.length * size * 0.64;

const escape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const num = (value: number) => String(Math.round(value * 100) / 100);

/**
 * The phase diagram as a self-contained SVG: one `<rect class="cell">` per (x, y) cell, filled
 * with the majority phase's color (data-phase says which, data-x / data-y the values); a cell whose
 * runs disagree gets a second `<rect class="hatch">` over it, striped with the runner-up phase's
 * color. Each cell shows the median peak/initial loss ratio near its bottom edge (mixed cells also
 * the phases present), leaving its center the plain phase color, and carries a `<title>` tooltip
 * with the counts and the median final η·λ. Axis labels are the axis paths, ticks the values (x
 * ascending to the right, y ascending upwards). When x is `schedule.lr.normalized`, dashed
 * vertical lines mark r = 2 and r = 4, placed by linear interpolation between the column centers
 * (a line at a sampled value runs through that column's center; none outside the sampled range).
 */
export function renderPhaseSvg(grid: PhaseGrid): string {
  const tick = 13;
  const label = 14;
  const small = 11;
  const xLabels = grid.xValues.map(formatValue);
  const yLabels = grid.y === undefined ? [] : grid.yValues.map(formatValue);
  const cellTexts = grid.cells.map((line) => line.map(cellText));
  const longestCellText = Math.max(0, ...cellTexts.flat().map((text) => textWidth(text, small)));
  // A few columns get wider cells (a plot about 480 wide), many get 64 or what their labels need.
  const minCellW = Math.min(160, Math.max(64, Math.floor(480 / Math.max(1, grid.xValues.length))));
  const cellW = Math.ceil(Math.max(minCellW, longestCellText + 10, ...xLabels.map((l) => textWidth(l, tick) + 8)));
  const cellH = 44;

  const yAxisLabelX = 22;
  const plotLeft = grid.y === undefined ? 24 : yAxisLabelX + 14 + Math.max(0, ...yLabels.map((l) => textWidth(l, tick))) + 10;
  const plotTop = 64;
  const plotW = cellW * grid.xValues.length;
  const plotH = cellH * grid.yValues.length;
  const plotBottom = plotTop + plotH;

  const xAxisLabel = grid.x === NORMALIZED_LR_AXIS ? `${grid.x}  (r = η·λ₀)` : grid.x;
  const title = `Training phase by ${grid.x}${grid.y === undefined ? '' : ` × ${grid.y}`} (${grid.runs} run${grid.runs === 1 ? '' : 's'})`;
  const all = grid.cells.flat();
  const legend: { text: string; fill: string; hatch?: string }[] = phases.map((phase) => ({ text: phase, fill: phaseColors[phase] }));
  if (all.some((cell) => cell.mixed)) legend.push({ text: 'runs disagree (majority + stripes)', fill: phaseColors.diverged, hatch: 'catapult' });
  if (all.some((cell) => cell.runs === 0)) legend.push({ text: 'no run', fill: emptyCellColor });
  const legendWidths = legend.map((item) => 18 + textWidth(item.text, tick) + 18);
  const legendY = plotBottom + 62;

  const width = Math.ceil(
    Math.max(
      plotLeft + plotW + 24,
      16 + textWidth(title, 16) + 16,
      plotLeft + textWidth(xAxisLabel, label) + 16,
      16 + legendWidths.reduce((a, b) => a + b, 0),
    ),
  );
  const height = legendY + 26;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT}">`,
  );
  const hatched = new Set(all.filter((cell) => cell.mixed).map((cell) => cell.present[1]));
  if (legend.some((item) => item.hatch)) hatched.add('catapult');
  if (hatched.size > 0) {
    out.push('<defs>');
    for (const phase of hatched)
      out.push(
        `<pattern id="hatch-${phase}" patternUnits="userSpaceOnUse" width="8" height="8" patternTransform="rotate(45)">` +
          `<rect x="0" y="0" width="3" height="8" fill="${phaseColors[phase as Phase]}"/></pattern>`,
      );
    out.push('</defs>');
  }
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#FFFFFF"/>`);
  out.push(`<text x="16" y="30" font-size="16" font-weight="bold" fill="#111111">${escape(title)}</text>`);

  // Cells, highest y on top; their labels go over the threshold lines.
  const labels: string[] = [];
  grid.cells.forEach((line, i) => {
    const top = plotBottom - (i + 1) * cellH;
    line.forEach((cell, j) => {
      const left = plotLeft + j * cellW;
      const fill = cell.phase === undefined ? emptyCellColor : phaseColors[cell.phase];
      const yAttr = cell.y === undefined ? '' : ` data-y="${escape(String(cell.y))}"`;
      out.push(
        `<g><title>${escape(tooltip(grid, cell))}</title>` +
          `<rect class="cell" x="${left}" y="${top}" width="${cellW}" height="${cellH}" fill="${fill}" stroke="#FFFFFF" stroke-width="1"` +
          ` data-phase="${cell.phase ?? 'none'}" data-x="${escape(String(cell.x))}"${yAttr}/>`,
      );
      if (cell.mixed)
        out.push(`<rect class="hatch" x="${left}" y="${top}" width="${cellW}" height="${cellH}" fill="url(#hatch-${cell.present[1]})"/>`);
      out.push('</g>');
      const color = cell.phase === undefined ? '#666666' : textColors[cell.phase];
      labels.push(
        `<text x="${num(left + cellW / 2)}" y="${top + cellH - 6}" font-size="${small}" text-anchor="middle" fill="${color}">${escape(cellTexts[i][j])}</text>`,
      );
    });
  });
  out.push(`<rect x="${plotLeft}" y="${plotTop}" width="${plotW}" height="${plotH}" fill="none" stroke="#333333" stroke-width="1"/>`);

  // Ticks and axis labels.
  xLabels.forEach((text, j) => {
    const cx = num(plotLeft + (j + 0.5) * cellW);
    out.push(`<line x1="${cx}" y1="${plotBottom}" x2="${cx}" y2="${plotBottom + 4}" stroke="#333333"/>`);
    out.push(`<text x="${cx}" y="${plotBottom + 18}" font-size="${tick}" text-anchor="middle" fill="#111111">${escape(text)}</text>`);
  });
  out.push(
    `<text x="${num(plotLeft + plotW / 2)}" y="${plotBottom + 38}" font-size="${label}" text-anchor="middle" fill="#111111">${escape(xAxisLabel)}</text>`,
  );
  if (grid.y !== undefined) {
    yLabels.forEach((text, i) => {
      const cy = plotBottom - (i + 0.5) * cellH;
      out.push(`<line x1="${plotLeft - 4}" y1="${num(cy)}" x2="${plotLeft}" y2="${num(cy)}" stroke="#333333"/>`);
      out.push(`<text x="${plotLeft - 7}" y="${num(cy + tick * 0.35)}" font-size="${tick}" text-anchor="end" fill="#111111">${escape(text)}</text>`);
    });
    const cy = num(plotTop + plotH / 2);
    out.push(
      `<text x="${yAxisLabelX}" y="${cy}" font-size="${label}" text-anchor="middle" fill="#111111" transform="rotate(-90 ${yAxisLabelX} ${cy})">${escape(grid.y)}</text>`,
    );
  }

  // Catapult thresholds.
  for (const { r, x } of thresholdPositions(grid, plotLeft, cellW)) {
    out.push(
      `<line class="threshold" data-r="${r}" x1="${num(x)}" y1="${plotTop - 4}" x2="${num(x)}" y2="${plotBottom}" stroke="#111111" stroke-width="1.5" stroke-dasharray="6 4"/>`,
    );
    out.push(`<text x="${num(x)}" y="${plotTop - 9}" font-size="${tick}" text-anchor="middle" fill="#111111">r = ${r}</text>`);
  }

  out.push(...labels);

  // Legend.
  let lx = 16;
  for (const [k, item] of legend.entries()) {
    out.push(`<rect x="${lx}" y="${legendY - 11}" width="14" height="14" fill="${item.fill}" stroke="#333333" stroke-width="0.5"/>`);
    if (item.hatch) out.push(`<rect x="${lx}" y="${legendY - 11}" width="14" height="14" fill="url(#hatch-${item.hatch})"/>`);
    out.push(`<text x="${lx + 19}" y="${legendY}" font-size="${tick}" fill="#111111">${escape(item.text)}</text>`);
    lx += legendWidths[k];
  }
  out.push(`<text x="${width - 8}" y="${height - 6}" font-size="9" text-anchor="end" fill="#888888">cell: majority phase over the runs sharing it · ×: median peak/initial loss</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}

function cellText(cell: PhaseCell): string {
  if (cell.runs === 0) return 'no run';
  const ratio = `×${formatRatio(cell.medianPeakRatio)}`;
  return cell.mixed ? `${cellSymbol(cell)} ${ratio}` : ratio;
}

function tooltip(grid: PhaseGrid, cell: PhaseCell): string {
  const where = `${grid.x} = ${formatValue(cell.x)}${grid.y === undefined ? '' : `, ${grid.y} = ${formatValue(cell.y)}`}`;
  if (cell.runs === 0) return `${where}: no run`;
  const counts = phases.filter((phase) => cell.counts[phase] > 0).map((phase) => `${cell.counts[phase]} ${phase}`);
  return (
    `${where}: ${cell.phase}${cell.mixed ? ' (mixed)' : ''}; ${cell.runs} run${cell.runs === 1 ? '' : 's'}: ${counts.join(', ')}; ` +
    `median peak/initial loss ${formatRatio(cell.medianPeakRatio)}; median final η·λ ${formatValue(cell.medianFinalNormalizedLr)}`
  );
}

/** Where r = 2 and r = 4 fall on a numeric normalized-lr axis (interpolated between column centers). */
function thresholdPositions(grid: PhaseGrid, plotLeft: number, cellW: number): { r: number; x: number }[] {
  if (grid.x !== NORMALIZED_LR_AXIS || !grid.xValues.every((v) => typeof v === 'number')) return [];
  const xs = grid.xValues as readonly number[];
  const center = (j: number) => plotLeft + (j + 0.5) * cellW;
  const out: { r: number; x: number }[] = [];
  for (const r of CATAPULT_THRESHOLDS) {
    const j = xs.findIndex((v) => v >= r);
    if (j < 0 || (j === 0 && xs[0] > r)) continue;
    if (xs[j] === r) out.push({ r, x: center(j) });
    else out.push({ r, x: center(j - 1) + ((r - xs[j - 1]) / (xs[j] - xs[j - 1])) * cellW });
  }
  return out;
}
