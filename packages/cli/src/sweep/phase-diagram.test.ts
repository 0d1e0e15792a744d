import type { RunSummary } from '@tdlab/core';
import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import {
  buildPhaseGrid,
  classifyPhase,
  phaseColors,
  PNG_SCALE,
  renderPhaseDiagram,
  type PhaseDiagramRow,
} from './phase-diagram.js';

const LR = 'schedule.lr.normalized';
const WIDTH = 'model.width';

/** A summary with the losses given; the rest is a plausible uv run. */
function summary(losses: Partial<RunSummary> & Pick<RunSummary, 'initialLoss' | 'peakLoss' | 'finalLoss'>): RunSummary {
  return {
    run: 'r',
    name: 'uv',
    outcome: 'max-steps',
    steps: 3000,
    lossConvention: '½·Σ(f−y)²',
    peakStep: 0,
    lambda0: 2,
    finalLambda: 2,
    lr: 0.5,
    normalizedLr: 1,
    finalNormalizedLr: 1,
    weightNormRatio: 1,
    wallSeconds: 0.1,
    ...losses,
  };
}

const lazy = (ratio = 1) => summary({ initialLoss: 2, peakLoss: 2 * ratio, finalLoss: 1e-12 });
const catapult = (ratio: number) => summary({ initialLoss: 2, peakLoss: 2 * ratio, finalLoss: 1e-12, peakStep: 4, finalNormalizedLr: 0.19 });
const diverged = (peakLoss = Number.NaN) => summary({ outcome: 'diverged', initialLoss: 2, peakLoss, finalLoss: Number.NaN });

/** r ∈ {1, 3, 5} × width ∈ {256, 1024} × 2 seeds; the (5, 1024) cell is split between a divergence and a catapult. */
function example(): PhaseDiagramRow[] {
  const cells: [number, number, RunSummary[]][] = [
    [1, 256, [lazy(), lazy()]],
    [3, 256, [catapult(37), catapult(123)]],
    [5, 256, [diverged(Number.POSITIVE_INFINITY), diverged()]],
    [1, 1024, [lazy(), lazy(1.005)]],
    [3, 1024, [catapult(150), catapult(250)]],
    [5, 1024, [diverged(), catapult(300)]],
  ];
  // Listed out of order: the grid sorts the numeric axes.
  return cells.reverse().flatMap(([r, width, runs]) =>
    runs.map((s, seed) => ({ axes: { [LR]: r, [WIDTH]: width, seed }, summary: { ...s, run: `r${r}-w${width}-s${seed}` } })),
  );
}

describe('classifyPhase', () => {
  it('reads lazy, catapult and diverged runs from their losses and outcome', () => {
    expect(classifyPhase(lazy()).phase).toBe('lazy');
    expect(classifyPhase(catapult(106))).toEqual({ phase: 'catapult', peakRatio: 106, finalNormalizedLr: 0.19 });
    expect(classifyPhase(diverged()).phase).toBe('diverged');
    // Outcome diverged (stop.lossAbove) with a finite loss is still diverged.
    expect(classifyPhase(summary({ outcome: 'diverged', initialLoss: 1, peakLoss: 1e13, finalLoss: 1e13 })).phase).toBe('diverged');
  });

  it('calls a run with a non-finite final loss diverged whatever its outcome', () => {
    expect(classifyPhase(summary({ initialLoss: 1, peakLoss: 1, finalLoss: Number.NaN })).phase).toBe('diverged');
    expect(classifyPhase(summary({ outcome: 'converged', initialLoss: 1, peakLoss: 5, finalLoss: Number.POSITIVE_INFINITY })).phase).toBe('diverged');
    expect(classifyPhase(summary({ initialLoss: 1, peakLoss: Number.NaN, finalLoss: Number.NaN })).peakRatio).toBeNaN();
  });

  it('calls a run that ends above its initial loss diverged, though its steps merely ran out', () => {
    expect(classifyPhase(summary({ outcome: 'max-steps', initialLoss: 1, peakLoss: 1e6, finalLoss: 1e6 })).phase).toBe('diverged');
    expect(classifyPhase(summary({ outcome: 'max-steps', initialLoss: 1, peakLoss: 1e6, finalLoss: 1.005 })).phase).toBe('catapult');
  });

  it('needs the peak to exceed the initial loss by more than 1 %', () => {
    expect(classifyPhase(summary({ initialLoss: 3, peakLoss: 3 * 1.01, finalLoss: 0 })).phase).toBe('lazy');
    expect(classifyPhase(summary({ initialLoss: 3, peakLoss: 3 * 1.0101, finalLoss: 0 })).phase).toBe('catapult');
    expect(classifyPhase(summary({ initialLoss: 3, peakLoss: 3 * 1.009, finalLoss: 0 })).peakRatio).toBeCloseTo(1.009, 12);
  });

  it('keeps a zero initial loss finite when the peak is zero too', () => {
    expect(classifyPhase(summary({ initialLoss: 0, peakLoss: 0, finalLoss: 0 }))).toMatchObject({ phase: 'lazy', peakRatio: 1 });
    expect(classifyPhase(summary({ initialLoss: 0, peakLoss: 1, finalLoss: 0 }))).toMatchObject({ phase: 'catapult', peakRatio: Infinity });
  });
});

describe('buildPhaseGrid', () => {
  it('sorts numeric axes and aggregates the seeds of a cell: majority phase, mixed marker, median ratio', () => {
    const grid = buildPhaseGrid(example(), { x: LR, y: WIDTH });
    expect(grid.xValues).toEqual([1, 3, 5]);
    expect(grid.yValues).toEqual([256, 1024]);
    expect(grid.runs).toBe(12);
    const [low, high] = grid.cells;
    expect(low.map((c) => c.phase)).toEqual(['lazy', 'catapult', 'diverged']);
    expect(low[1]).toMatchObject({ x: 3, y: 256, runs: 2, mixed: false, medianPeakRatio: 80, medianFinalNormalizedLr: 0.19 });
    expect(low[2].medianPeakRatio).toBe(Infinity); // NaN peaks count as +∞
    // One seed diverged, one catapulted: a tie goes to the more severe phase; the cell is mixed.
    expect(high[2]).toMatchObject({ phase: 'diverged', present: ['diverged', 'catapult'], mixed: true, counts: { lazy: 0, catapult: 1, diverged: 1 } });
  });

  it('takes the majority over three seeds', () => {
    const rows = [catapult(10), diverged(), catapult(20)].map((s, seed) => ({ axes: { [LR]: 3, seed }, summary: s }));
    const [[cell]] = buildPhaseGrid(rows, { x: LR }).cells;
    expect(cell).toMatchObject({ phase: 'catapult', present: ['catapult', 'diverged'], mixed: true, medianPeakRatio: 20, y: undefined });
  });

  it('keeps non-numeric values in order of first appearance, leaves empty cells, and rejects a run without the axis', () => {
    const rows = [
      { axes: { 'optimizer.use': 'sgd', seed: 0 }, summary: lazy() },
      { axes: { 'optimizer.use': 'adam', seed: 1 }, summary: catapult(3) },
    ];
    const grid = buildPhaseGrid(rows, { x: 'optimizer.use', y: 'seed' });
    expect(grid.xValues).toEqual(['sgd', 'adam']);
    expect(grid.cells[0][1]).toMatchObject({ runs: 0, phase: undefined, mixed: false });
    expect(() => buildPhaseGrid(rows, { x: 'model.width' })).toThrow(/no value on axis "model.width"/);
  });
});

describe('renderPhaseDiagram text', () => {
  it('lays out the 3×2 example: phases with the highest width on top, legend, median ratios', () => {
    const { text } = renderPhaseDiagram(example(), { x: LR, y: WIDTH });
    expect(text).toBe(
      [
        'phase (x: schedule.lr.normalized, y: model.width, 12 runs)',
        'model.width │    1    3    5',
        '────────────┼───────────────',
        '       1024 │    ·    C  D/C',
        '        256 │    ·    C    D',
        '· lazy   C catapult   D diverged   X/Y runs disagree (X the majority)',
        '',
        'median peak/initial loss',
        'model.width │    1    3    5',
        '────────────┼───────────────',
        '       1024 │  1.0  200    ∞',
        '        256 │  1.0   80    ∞',
      ].join('\n'),
    );
  });

  it('draws a single row without a y axis, and marks cells with no run', () => {
    const rows = [
      { axes: { [LR]: 1 }, summary: lazy() },
      { axes: { [LR]: 2.5 }, summary: catapult(1234) },
    ];
    expect(renderPhaseDiagram(rows, { x: LR }).text).toBe(
      [
        'phase (x: schedule.lr.normalized, 2 runs)',
        '    │    1  2.5',
        '────┼──────────',
        'all │    ·    C',
        '· lazy   C catapult   D diverged',
        '',
        'median peak/initial loss',
        '    │    1  2.5',
        '────┼──────────',
        'all │  1.0  1e3',
      ].join('\n'),
    );
    const holes = [
      { axes: { [LR]: 1, [WIDTH]: 8 }, summary: lazy() },
      { axes: { [LR]: 3, [WIDTH]: 16 }, summary: catapult(5) },
    ];
    const text = renderPhaseDiagram(holes, { x: LR, y: WIDTH }).text.split('\n');
    expect(text.slice(3, 6)).toEqual(['         16 │    -    C', '          8 │    ·    -', '· lazy   C catapult   D diverged   - no run']);
  });
});

/** The `<rect class="cell">` elements of an SVG: geometry, fill and data attributes. */
function cellRects(svg: string) {
  return [...svg.matchAll(/<rect class="cell" ([^>]*)\/>/g)].map(([, attrs]) => {
    const get = (name: string) => new RegExp(`\\b${name}="([^"]*)"`).exec(attrs)?.[1];
    return {
      x: Number(get('x')),
      y: Number(get('y')),
      width: Number(get('width')),
      height: Number(get('height')),
      fill: get('fill'),
      phase: get('data-phase'),
      at: `${get('data-x')},${get('data-y')}`,
    };
  });
}

describe('renderPhaseDiagram svg', () => {
  const { svg } = renderPhaseDiagram(example(), { x: LR, y: WIDTH });

  it('has one rect per cell, filled with its majority phase color, and stripes over the mixed one', () => {
    const cells = cellRects(svg);
    expect(cells).toHaveLength(6);
    const fillAt = Object.fromEntries(cells.map((c) => [c.at, [c.phase, c.fill]]));
    expect(fillAt).toEqual({
      '1,256': ['lazy', phaseColors.lazy],
      '3,256': ['catapult', phaseColors.catapult],
      '5,256': ['diverged', phaseColors.diverged],
      '1,1024': ['lazy', phaseColors.lazy],
      '3,1024': ['catapult', phaseColors.catapult],
      '5,1024': ['diverged', phaseColors.diverged],
    });
    expect(svg.match(/<rect class="hatch"[^>]*fill="url\(#hatch-catapult\)"/g)).toHaveLength(1);
    expect(svg).toContain('<pattern id="hatch-catapult"');
  });

  it('labels the axes with their paths and values, has a legend of the three phases and a title', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('>schedule.lr.normalized  (r = η·λ₀)</text>');
    expect(svg).toMatch(/transform="rotate\(-90[^"]*"\s*>model\.width<\/text>/);
    for (const tick of ['1', '3', '5', '256', '1024']) expect(svg).toMatch(new RegExp(`>${tick}</text>`));
    for (const phase of ['lazy', 'catapult', 'diverged']) expect(svg).toContain(`>${phase}</text>`);
    expect(svg).toContain('>Training phase by schedule.lr.normalized × model.width (12 runs)</text>');
    expect(svg).not.toMatch(/href=|<image|@import|url\((?!#)/); // self-contained
  });

  it('draws r = 2 and r = 4 only on a normalized-lr x axis, between the column centers', () => {
    const lines = [...svg.matchAll(/<line class="threshold" data-r="(\d)" x1="([\d.]+)"[^>]*stroke-dasharray/g)];
    expect(lines.map((m) => m[1])).toEqual(['2', '4']);
    const cells = cellRects(svg).filter((c) => c.at.endsWith(',256'));
    const center = (r: number) => {
      const c = cells.find((cell) => cell.at.startsWith(`${r},`))!;
      return c.x + c.width / 2;
    };
    // r = 2 is halfway from 1 to 3, r = 4 halfway from 3 to 5.
    expect(Number(lines[0][2])).toBeCloseTo((center(1) + center(3)) / 2, 1);
    expect(Number(lines[1][2])).toBeCloseTo((center(3) + center(5)) / 2, 1);

    const swapped = renderPhaseDiagram(example(), { x: WIDTH, y: LR }).svg;
    expect(swapped).not.toContain('class="threshold"');
    expect(cellRects(swapped)).toHaveLength(6);
    const narrow = example().filter((row) => row.axes[LR] !== 5);
    expect([...renderPhaseDiagram(narrow, { x: LR }).svg.matchAll(/class="threshold" data-r="(\d)"/g)].map((m) => m[1])).toEqual(['2']);
  });
});

describe('renderPhaseDiagram png', () => {
  const { svg, png } = renderPhaseDiagram(example(), { x: LR, y: WIDTH });
  // Decoded by fast-png, an independent reader (resvg wrote it).
  const image = decode(png);
  const [, svgWidth, svgHeight] = /<svg [^>]*width="(\d+)" height="(\d+)"/.exec(svg)!.map(Number);
  const pixel = (x: number, y: number) => {
    const at = (Math.round(y) * image.width + Math.round(x)) * image.channels;
    return [image.data[at], image.data[at + 1], image.data[at + 2], image.data[at + 3]];
  };
  const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).concat(255);

  it('is the SVG at twice its size, RGBA', () => {
    expect(PNG_SCALE).toBe(2);
    expect([image.width, image.height]).toEqual([svgWidth * 2, svgHeight * 2]);
    expect(image.channels).toBe(4);
    expect(image.depth).toBe(8);
  });

  it("has each unmixed cell's phase color at its center", () => {
    for (const cell of cellRects(svg).filter((c) => c.at !== '5,1024')) {
      expect(pixel((cell.x + cell.width / 2) * PNG_SCALE, (cell.y + cell.height / 2) * PNG_SCALE), cell.at).toEqual(rgb(cell.fill!));
    }
  });

  it('renders the text with the bundled font (dark pixels in the title band)', () => {
    let dark = 0;
    for (let y = 14 * PNG_SCALE; y < 34 * PNG_SCALE; y += 1)
      for (let x = 0; x < image.width; x += 1) if (pixel(x, y)[0] < 80) dark += 1;
    expect(dark).toBeGreaterThan(500);
  });
});
