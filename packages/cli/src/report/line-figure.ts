import type { TopLevelSpec } from 'vega-lite';
import { decimate, type LineFigureData } from './figure-series.js';
import { FIGURE_FONT, type RenderedFigure, renderVegaLite } from './render-vega-lite.js';

/** The plot area of a line figure, in SVG units (the PNG is twice that). */
export const FIGURE_WIDTH = 640;
export const FIGURE_HEIGHT = 260;

/** A line figure drawn, with a note of what it could not draw. */
export interface DrawnLineFigure extends RenderedFigure {
  readonly figure: LineFigureData;
  /** Points left out: non-finite values, and values ≤ 0 on a log axis. */
  readonly omitted: number;
}

/**
 * The Vega-Lite spec of a line figure: value over step, one colored line per series (legend only
 * with several), a log y axis when asked, and dashed horizontal rules labelled at the right end.
 * Non-finite points (and non-positive ones on a log axis) are left out; long series are decimated
 * (figure-series.ts). Returns the spec and how many points were left out.
 */
export function lineFigureSpec(figure: LineFigureData): { spec: TopLevelSpec; omitted: number } {
  let omitted = 0;
  const values: { step: number; value: number; series: string }[] = [];
  for (const series of figure.series) {
    const drawable = series.points.filter((point) => Number.isFinite(point.value) && (!figure.logY || point.value > 0));
    omitted += series.points.length - drawable.length;
    for (const point of decimate(drawable)) values.push({ step: point.step, value: point.value, series: series.label });
  }
  const labels = figure.series.map((series) => series.label);
  const several = labels.length > 1;
  const rules = figure.rules ?? [];
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: FIGURE_WIDTH,
    height: FIGURE_HEIGHT,
    title: { text: figure.title, anchor: 'start', fontSize: 14, offset: 10 },
    config: {
      font: FIGURE_FONT,
      background: 'white',
      view: { stroke: '#ddd' },
      axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', gridColor: '#eee' },
      legend: { labelFontSize: 11, titleFontSize: 12, orient: 'right' },
    },
    layer: [
      {
        data: { values },
        mark: { type: 'line', strokeWidth: 1.6, clip: true, ...(several ? {} : { color: '#1f5fa8' }) },
        encoding: {
          x: { field: 'step', type: 'quantitative', title: 'step', axis: { tickMinStep: 1, format: '~s' } },
          y: {
            field: 'value',
            type: 'quantitative',
            title: figure.yTitle,
            scale: figure.logY ? { type: 'log' } : { zero: false },
            axis: { format: figure.logY ? '.0e' : '~g', labelOverlap: true },
          },
          ...(several
            ? { color: { field: 'series', type: 'nominal', title: null, sort: labels, scale: { scheme: 'tableau10' } } }
            : {}),
          detail: { field: 'series', type: 'nominal' },
          order: { field: 'step', type: 'quantitative' },
        },
      },
      ...(rules.length > 0
        ? [
            {
              data: { values: rules.map((rule) => ({ value: rule.value, label: rule.label })) },
              layer: [
                { mark: { type: 'rule', color: '#c0392b', strokeDash: [6, 4], strokeWidth: 1.2 }, encoding: { y: { field: 'value', type: 'quantitative' } } },
                {
                  mark: { type: 'text', align: 'right', baseline: 'bottom', dx: -4, dy: -3, color: '#c0392b', fontSize: 11 },
                  encoding: { y: { field: 'value', type: 'quantitative' }, x: { value: FIGURE_WIDTH }, text: { field: 'label' } },
                },
              ],
            },
          ]
        : []),
    ],
    resolve: { scale: { y: 'shared' } },
  } as TopLevelSpec;
  return { spec, omitted };
}

/** Draws a line figure to SVG and PNG (render-vega-lite.ts). */
export async function drawLineFigure(figure: LineFigureData): Promise<DrawnLineFigure> {
  const { spec, omitted } = lineFigureSpec(figure);
  const rendered = await renderVegaLite(spec, `fig-${figure.id}`);
  return { ...rendered, figure, omitted };
}
