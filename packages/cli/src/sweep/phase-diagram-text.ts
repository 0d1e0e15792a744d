import type { PhaseCell, PhaseGrid } from './phase-diagram-grid.js';
import { cellSymbol, formatRatio, formatValue, phaseSymbols } from './phase-diagram-format.js';
import { phases } from './phase-diagram-phase.js';

/**
 * The terminal phase diagram: a table of phase symbols (rows = y values, highest on top like a
 * plot; columns = x values, ascending left to right), a legend, then the same table with the
 * median peak/initial loss ratio per cell. Columns are aligned across both tables. No colors and
 * no trailing newline.
 */
export function renderPhaseText(grid: PhaseGrid): string {
  const rowLabels = grid.yValues.map((y) => (grid.y === undefined ? 'all' : formatValue(y)));
  const corner = grid.y ?? '';
  const labelWidth = Math.max(corner.length, ...rowLabels.map((label) => label.length));
  const xLabels = grid.xValues.map(formatValue);
  const symbols = grid.cells.map((line) => line.map(cellSymbol));
  const ratios = grid.cells.map((line) => line.map((cell) => formatRatio(cell.medianPeakRatio)));
  // One width for every column, so that the grid reads as evenly spaced.
  const width = Math.max(...[xLabels, ...symbols, ...ratios].flat().map((cell) => cell.length));
  const widths = xLabels.map(() => width);

  const table = (body: string[][]): string[] => {
    const line = (label: string, cells: string[]) =>
      label.padStart(labelWidth) + ' │' + cells.map((cell, j) => cell.padStart(widths[j] + 2)).join('');
    const rule = '─'.repeat(labelWidth + 1) + '┼' + '─'.repeat(widths.reduce((sum, w) => sum + w + 2, 0));
    const rows = body.map((cells, i) => line(rowLabels[i], cells)).reverse();
    return [line(corner, xLabels), rule, ...rows];
  };

  const all = grid.cells.flat();
  const legend = phases.map((phase) => `${phaseSymbols[phase]} ${phase}`);
  if (all.some((cell: PhaseCell) => cell.mixed)) legend.push('X/Y runs disagree (X the majority)');
  if (all.some((cell: PhaseCell) => cell.runs === 0)) legend.push('- no run');

  const axes = `x: ${grid.x}${grid.y === undefined ? '' : `, y: ${grid.y}`}, ${grid.runs} run${grid.runs === 1 ? '' : 's'}`;
  return [
    `phase (${axes})`,
    ...table(symbols),
    legend.join('   '),
    '',
    'median peak/initial loss',
    ...table(ratios),
  ].join('\n');
}
