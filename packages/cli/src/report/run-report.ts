import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { RunSummary } from '@tdlab/core';
import { classifyPhase } from '../sweep/phase-diagram.js';
import { parseSummary } from '../sweep/sweep-directory.js';
import { escapeHtml, fieldTable, figureHtml, formatNumber, htmlPage, htmlTable } from './html-page.js';
import { drawLineFigure } from './line-figure.js';
import { runFigures } from './run-figures.js';
import { readMetrics } from './run-metrics.js';

export interface ReportResult {
  /** The HTML page written. */
  readonly index: string;
  /** Every file written (the page, each figure's SVG and PNG). */
  readonly files: readonly string[];
}

/**
 * The report of a run directory (spec.json, metrics.jsonl, summary.json; each optional but
 * metrics.jsonl or summary.json must exist), written to `outDir`: index.html with the summary,
 * the spec and every figure of run-figures.ts inlined as SVG, plus `<figure>.svg` and
 * `<figure>.png` beside it.
 */
export async function writeRunReport(runDir: string, outDir: string): Promise<ReportResult> {
  const summary = existsSync(join(runDir, 'summary.json')) ? parseSummary(await readFile(join(runDir, 'summary.json'), 'utf8')) : undefined;
  const specText = existsSync(join(runDir, 'spec.json')) ? await readFile(join(runDir, 'spec.json'), 'utf8') : undefined;
  const records = existsSync(join(runDir, 'metrics.jsonl')) ? await readMetrics(join(runDir, 'metrics.jsonl')) : [];
  await mkdir(outDir, { recursive: true });
  const files: string[] = [];
  const sections: string[] = [];
  for (const figure of runFigures(records, { lossConvention: summary?.lossConvention })) {
    const drawn = await drawLineFigure(figure);
    const svgPath = join(outDir, `${figure.id}.svg`);
    const pngPath = join(outDir, `${figure.id}.png`);
    await writeFile(svgPath, drawn.svg);
    await writeFile(pngPath, drawn.png);
    files.push(svgPath, pngPath);
    const notes = [figure.note, drawn.omitted > 0 ? `${drawn.omitted} point${drawn.omitted === 1 ? '' : 's'} not drawn (non-finite${figure.logY ? ' or ≤ 0 on the log axis' : ''})` : undefined];
    sections.push(figureHtml({ id: figure.id, svg: drawn.svg, png: `${figure.id}.png`, caption: notes.filter(Boolean).join('; ') }));
  }
  const name = summary?.run ?? basename(runDir);
  const body = [
    `<h1>${escapeHtml(summary?.name ?? name)}</h1>`,
    `<p class="sub">run <code>${escapeHtml(name)}</code> · ${escapeHtml(runDir)}</p>`,
    summary ? `<h2>Summary</h2>\n${summaryFields(summary)}${armsTable(summary)}` : '<p>No summary.json: the run did not finish.</p>',
    '<h2>Figures</h2>',
    sections.length > 0 ? sections.join('\n') : '<p>No metrics.jsonl records to draw.</p>',
    specText === undefined ? '' : `<h2>Spec</h2>\n<pre>${escapeHtml(prettyJson(specText))}</pre>`,
  ].join('\n');
  const index = join(outDir, 'index.html');
  await writeFile(index, htmlPage(`${summary?.name ?? name} — tdlab report`, body));
  return { index, files: [index, ...files] };
}

/** The header table of a run: outcome, losses, curvature, learning rates, weights, wall time. */
function summaryFields(summary: RunSummary): string {
  const n = formatNumber;
  return fieldTable([
    ['outcome', escapeHtml(summary.outcome)],
    ['phase', phaseHtml(summary)],
    ['steps', n(summary.steps)],
    ['loss convention', escapeHtml(summary.lossConvention ?? '')],
    ['initial loss', n(summary.initialLoss)],
    ['peak loss', `${n(summary.peakLoss)} at step ${n(summary.peakStep)}`],
    ['final loss', n(summary.finalLoss)],
    ['λ₀ (top NTK eigenvalue)', n(summary.lambda0)],
    ['final λ', n(summary.finalLambda)],
    ['η', n(summary.lr)],
    ['η·λ₀', n(summary.normalizedLr)],
    ['final η·λ', n(summary.finalNormalizedLr)],
    ['‖θ_T‖² / ‖θ₀‖²', n(summary.weightNormRatio)],
    ['wall time', `${n(summary.wallSeconds)} s`],
  ]);
}

/** The run's phase (lazy, catapult, diverged; phase-diagram-phase.ts), colored. */
export function phaseHtml(summary: RunSummary): string {
  const { phase } = classifyPhase(summary);
  return `<span class="${phase}">${phase}</span>`;
}

function armsTable(summary: RunSummary): string {
  if (!summary.arms) return '';
  const columns = ['arm', 'outcome', 'initial loss', 'peak loss', 'final loss', 'λ₀', 'final λ'] as const;
  const rows = Object.entries(summary.arms).map(([arm, s]) => [
    escapeHtml(arm),
    escapeHtml(s.outcome),
    formatNumber(s.initialLoss),
    formatNumber(s.peakLoss),
    formatNumber(s.finalLoss),
    formatNumber(s.lambda0),
    formatNumber(s.finalLambda),
  ]);
  return `\n<h3>Arms</h3>\n${htmlTable(columns, rows)}`;
}

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
