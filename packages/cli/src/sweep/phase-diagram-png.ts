import { createRequire } from 'node:module';
import { Resvg } from '@resvg/resvg-js';

/** Pixels per SVG unit in the PNG (2: sharp on high-density screens and in papers). */
export const PNG_SCALE = 2;

const require = createRequire(import.meta.url);
/**
 * The fonts the rasterizer uses: DejaVu Sans (regular and bold) from the `dejavu-fonts-ttf` npm
 * package. resvg draws no text without a font and says nothing about it, and a bare Debian/Node
 * machine (a CI container, `node:*-slim`) has no system fonts, so the fonts ship with the CLI;
 * system fonts are not loaded, which also makes the PNG the same on every machine.
 * (The @fontsource packages ship only WOFF/WOFF2, which resvg does not read.)
 */
const fontFiles = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((file) => require.resolve(`dejavu-fonts-ttf/ttf/${file}`));

/** Rasterizes an SVG (from phase-diagram-svg.ts) to PNG bytes at {@link PNG_SCALE}× its size, on white. */
export function rasterizeSvg(svg: string): Uint8Array {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: PNG_SCALE },
    background: '#FFFFFF',
    font: { loadSystemFonts: false, fontFiles, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
    logLevel: 'off',
  });
  const png = resvg.render().asPng();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}
