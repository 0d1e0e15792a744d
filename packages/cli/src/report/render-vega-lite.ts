import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { rasterizeSvg } from '../sweep/phase-diagram-png.js';

/** The font of every figure: bundled with the CLI (dejavu-fonts-ttf) and loaded by the rasterizer. */
export const FIGURE_FONT = 'DejaVu Sans';

/** A drawn figure: standalone SVG text and its PNG (2×, on white). */
export interface RenderedFigure {
  readonly svg: string;
  readonly png: Uint8Array;
}

/**
 * Draws a Vega-Lite spec headlessly: compiled to Vega, run in a Vega View without a renderer, and
 * serialized with View#toSVG (no browser, no canvas). The PNG is that SVG rasterized by resvg with
 * the bundled DejaVu Sans (phase-diagram-png.ts), so text renders on a machine without fonts.
 * Data must be inline (`values`): nothing is loaded. `idPrefix` makes the SVG's element ids unique
 * so that several figures can be inlined into one HTML page.
 */
export async function renderVegaLite(spec: TopLevelSpec, idPrefix: string): Promise<RenderedFigure> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    const svg = prefixIds(await view.toSVG(), idPrefix);
    return { svg, png: rasterizeSvg(svg) };
  } finally {
    view.finalize();
  }
}

/** Renames every `id="x"` to `id="<prefix>-x"` and its references (`url(#x)`, `href="#x"`). */
export function prefixIds(svg: string, prefix: string): string {
  return svg
    .replace(/\bid="([^"]+)"/g, (_, id: string) => `id="${prefix}-${id}"`)
    .replace(/url\(#([^)]+)\)/g, (_, id: string) => `url(#${prefix}-${id})`)
    .replace(/href="#([^"]+)"/g, (_, id: string) => `href="#${prefix}-${id}"`);
}
