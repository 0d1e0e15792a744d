/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}

/** A number as the report shows it: 4 significant digits, NaN/±∞ spelled out, integers as they are. */
export function formatNumber(value: unknown): string {
  if (typeof value !== 'number') return value === undefined || value === null ? '' : String(value);
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '−∞';
  if (Number.isInteger(value) && Math.abs(value) < 1e9) return String(value);
  const abs = Math.abs(value);
  return abs !== 0 && (abs < 1e-3 || abs >= 1e6) ? value.toExponential(3) : String(Number(value.toPrecision(4)));
}

/** An HTML table: a header row and rows of cells (already HTML). */
export function htmlTable(columns: readonly string[], rows: readonly (readonly string[])[], className = 'table'): string {
  const head = `<tr>${columns.map((column) => `<th>${escapeHtml(column)}</th>`).join('')}</tr>`;
  const body = rows.map((row) => `<tr>${row.map((cell) => `<td>${cell}</td>`).join('')}</tr>`).join('\n');
  return `<table class="${className}">\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

/** Key/value rows: a table of two columns without a header. */
export function fieldTable(fields: readonly (readonly [string, string])[]): string {
  return `<table class="fields">\n${fields.map(([key, value]) => `<tr><th>${escapeHtml(key)}</th><td>${value}</td></tr>`).join('\n')}\n</table>`;
}

/** A figure: the SVG inline, a caption, and a link to the PNG beside it. */
export function figureHtml(options: { id: string; svg: string; png: string; caption?: string }): string {
  const caption = [options.caption ? escapeHtml(options.caption) : '', `<a href="${escapeHtml(options.png)}">PNG</a>`].filter(Boolean).join(' · ');
  return `<figure id="${escapeHtml(options.id)}">\n${stripXmlProlog(options.svg)}\n<figcaption>${caption}</figcaption>\n</figure>`;
}

function stripXmlProlog(svg: string): string {
  return svg.replace(/^\s*<\?xml[^>]*>\s*/, '');
}

const style = `
body { font-family: "DejaVu Sans", system-ui, sans-serif; margin: 2em auto; max-width: 1000px; padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; } h2 { font-size: 1.15em; margin-top: 2em; border-bottom: 1px solid #ddd; }
.sub { color: #666; margin-top: 0; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { padding: 0.25em 0.7em; text-align: left; border-bottom: 1px solid #eee; }
table.fields th { color: #555; font-weight: normal; }
table.table td { font-variant-numeric: tabular-nums; }
figure { margin: 1.5em 0; } figure svg { max-width: 100%; height: auto; }
figcaption { color: #666; font-size: 0.85em; }
pre { background: #f6f6f6; padding: 0.8em; overflow: auto; font-size: 0.85em; }
.diverged { color: #b03a2e; } .catapult { color: #b9770e; } .lazy { color: #1e8449; }
`;

/** A self-contained HTML page: inline style, no scripts, no external fonts or files. */
export function htmlPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${style}</style>
</head>
<body>
${body}
</body>
</html>
`;
}
