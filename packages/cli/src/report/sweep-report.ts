import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { renderPhaseDiagram } from '../sweep/phase-diagram.js';
import { summaryTable, type SummaryRow } from '../sweep/summary-table.js';
import { SweepDirectory } from '../sweep/sweep-directory.js';
import { escapeHtml, figureHtml, formatNumber, htmlPage, htmlTable } from './html-page.js';
import { phaseHtml, type ReportResult } from './run-report.js';

interface PlanFile {
  readonly name: string;
  readonly axes: readonly string[];
  readonly runs: readonly { readonly id: string; readonly axes: Readonly<Record<string, number | string | boolean>> }[];
}

/**
 * The report of a sweep directory (sweep-directory.ts), written to `outDir`: index.html with the
 * phase diagram (the sweep's phase-diagram.svg/png when present, else re-rendered from the finished
 * runs with x = `schedule.lr.normalized` when it is an axis, else the first axis, and y = the next
 * non-seed axis), and the summary table (one row per finished run, its id linking to the run
 * directory; `tdlab report <sweep>/runs/<id>` draws that run).
 */
export async function writeSweepReport(sweepDir: string, outDir: string): Promise<ReportResult> {
  const directory = new SweepDirectory(sweepDir);
  const plan = JSON.parse(await readFile(directory.path('plan.json'), 'utf8')) as PlanFile;
  const rows: SummaryRow[] = [];
  const seen = new Set<string>();
  for (const run of plan.runs) {
    if (seen.has(run.id) || !directory.isFinished(run.id)) continue;
    seen.add(run.id);
    rows.push({ id: run.id, axes: run.axes, summary: await directory.readSummary(run.id) });
  }
  await mkdir(outDir, { recursive: true });
  const files: string[] = [];
  const sections: string[] = [`<h1>Sweep ${escapeHtml(plan.name)}</h1>`, `<p class="sub">${seen.size} of ${new Set(plan.runs.map((run) => run.id)).size} runs finished · axes ${escapeHtml(plan.axes.join(', '))} · ${escapeHtml(directory.root)}</p>`];

  if (rows.length > 0) {
    let svg: string;
    const pngPath = join(outDir, 'phase-diagram.png');
    if (existsSync(directory.path('phase-diagram.svg')) && existsSync(directory.path('phase-diagram.png'))) {
      svg = await readFile(directory.path('phase-diagram.svg'), 'utf8');
      await copyFile(directory.path('phase-diagram.png'), pngPath);
    } else {
      const rendered = renderPhaseDiagram(rows, defaultDiagramAxes(plan.axes));
      svg = rendered.svg;
      await writeFile(pngPath, rendered.png);
    }
    const svgPath = join(outDir, 'phase-diagram.svg');
    await writeFile(svgPath, svg);
    files.push(svgPath, pngPath);
    sections.push('<h2>Phase diagram</h2>', figureHtml({ id: 'phase-diagram', svg, png: 'phase-diagram.png' }));
  } else {
    sections.push('<p>No finished runs yet.</p>');
  }

  const { columns, cells } = summaryTable(rows, plan.axes);
  // The phase (as the diagram classifies it) right after the outcome.
  const at = columns.indexOf('outcome') + 1;
  const htmlRows = cells.map((row, r) => {
    const html = row.map((cell, c) =>
      c === 0 ? `<a href="${escapeHtml(relative(outDir, directory.runDir(rows[r].id)))}/">${escapeHtml(String(cell))}</a>` : escapeHtml(formatNumber(cell)),
    );
    return [...html.slice(0, at), phaseHtml(rows[r].summary), ...html.slice(at)];
  });
  sections.push('<h2>Runs</h2>', htmlTable([...columns.slice(0, at), 'phase', ...columns.slice(at)], htmlRows));
  const index = join(outDir, 'index.html');
  await writeFile(index, htmlPage(`${plan.name} — tdlab sweep report`, sections.join('\n')));
  return { index, files: [index, ...files] };
}

/** The diagram axes when the sweep's own diagram is not at hand. */
function defaultDiagramAxes(axes: readonly string[]): { x: string; y?: string } {
  const x = axes.includes('schedule.lr.normalized') ? 'schedule.lr.normalized' : axes[0];
  const y = axes.find((axis) => axis !== x && axis !== 'seed');
  return y === undefined ? { x } : { x, y };
}
