/**
 * A number for people: 4 significant digits without trailing zeros, in exponent notation when it
 * is large (≥ 1e5) or small (< 1e-3): 0.5, 3.142, 1.235e5, 2.5e-7, NaN, Infinity.
 */
export function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e5 || magnitude < 1e-3) {
    const [mantissa, exponent] = value.toExponential(3).split('e');
    return `${trimZeros(mantissa)}e${Number(exponent)}`;
  }
  const fixed = value.toPrecision(4);
  // toPrecision switches to exponent notation from 1e4 on; below 1e5 plain digits read better.
  return fixed.includes('e') ? String(Number(fixed)) : trimZeros(fixed);
}

function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/** A duration: "0.25 s", "42.1 s", "3m 07s", "1h 02m". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return formatNumber(seconds);
  if (seconds < 60) return `${formatNumber(Number(seconds.toPrecision(3)))} s`;
  const total = Math.round(seconds);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const rest = total % 60;
  const pad = (n: number): string => String(n).padStart(2, '0');
  return hours > 0 ? `${hours}h ${pad(minutes)}m` : `${minutes}m ${pad(rest)}s`;
}
