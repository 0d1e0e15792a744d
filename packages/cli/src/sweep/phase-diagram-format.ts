import type { PhaseCell, AxisValue } from './phase-diagram-grid.js';
import type { Phase } from './phase-diagram-phase.js';

/** One-character symbol of each phase in the terminal diagram. */
export const phaseSymbols: Readonly<Record<Phase, string>> = { lazy: '·', catapult: 'C', diverged: 'D' };

/** What a cell shows: its phase's symbol, the phases present joined by "/" (majority first) when its runs disagree, "-" when it has none. */
export function cellSymbol(cell: PhaseCell): string {
  if (cell.runs === 0) return '-';
  return cell.present.map((phase) => phaseSymbols[phase]).join('/');
}

/** An axis value as a tick label: integers as is, other numbers to 4 significant digits. */
export function formatValue(value: AxisValue | undefined): string {
  if (value === undefined) return '';
  if (typeof value !== 'number' || Number.isInteger(value) || !Number.isFinite(value)) return String(value);
  return String(Number(value.toPrecision(4)));
}

/** A peak/initial loss ratio in at most 4 characters: "1.0", "37", "1e13", "∞"; "-" for none. */
export function formatRatio(ratio: number): string {
  if (Number.isNaN(ratio)) return '-';
  if (ratio === Number.POSITIVE_INFINITY) return '∞';
  if (Math.abs(ratio) < 9.95) return ratio.toFixed(1);
  if (Math.abs(ratio) < 999.5) return String(Math.round(ratio));
  return ratio.toExponential(0).replace('e+', 'e');
}
