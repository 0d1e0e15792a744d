import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decode } from 'fast-png';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../main.js';

const CHROMIUM = '/usr/bin/chromium';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

if (!existsSync(CHROMIUM)) {
  console.warn(`dashboard browser test skipped: ${CHROMIUM} is missing (install Debian's chromium: apt-get install chromium; .ci/run does)`);
}

/** A study slow enough to watch: ~1 ms a step, a loss and η·λ point every 5 steps. */
const slowStudy = [
  'name: dashboard-slow-uv',
  'seed: 1',
  'data: { use: single-example, x: [1], y: 0 }',
  'model: { use: uv, width: 4000 }',
  'loss: { use: mse, reduction: sum, half: true }',
  'optimizer: { use: gd }',
  'schedule: { use: constant, lr: { normalized: 3 } }',
  'steps: 200000',
  'probes: [{ use: loss, every: 5 }, { use: ntk-top-eigenvalue, every: 5 }, { use: normalized-lr, every: 5 }]',
].join('\n');

const finishedStudy = [
  'name: dashboard-finished-uv',
  'seed: 0',
  'data: { use: single-example, x: [1], y: 0 }',
  'model: { use: uv, width: 200 }',
  'loss: { use: mse, reduction: sum, half: true }',
  'optimizer: { use: gd }',
  'schedule: { use: constant, lr: { normalized: 3 } }',
  'steps: 60',
  'probes: [{ use: loss }, { use: ntk-top-eigenvalue }, { use: normalized-lr }]',
].join('\n');

/** Waits until a figure's curve has a number of points that `test` (a JS expression of `n`) accepts. */
async function waitForPoints(page: Page, figure: string, test: string, timeout = 30_000): Promise<void> {
  await page.waitForFunction(`((n) => ${test})((document.querySelector('#${figure} polyline.curve')?.getAttribute('points') ?? '').trim().split(/\\s+/).filter(Boolean).length)`, null, { timeout });
}

/** Waits until the selected run's line mentions `text`. */
async function waitForSelectedRun(page: Page, text: string): Promise<void> {
  await page.waitForFunction(`(document.querySelector('#selected-run')?.textContent ?? '').includes(${JSON.stringify(text)})`, null, { timeout: 30_000 });
}

async function pointCount(page: Page, figure: string): Promise<number> {
  return page.$eval(`#${figure} polyline.curve`, (line) => {
    const points = line.getAttribute('points')?.trim() ?? '';
    return points === '' ? 0 : points.split(/\s+/).length;
  });
}

describe.skipIf(!existsSync(CHROMIUM))(`tdlab dashboard in headless Chromium${existsSync(CHROMIUM) ? '' : ` (skipped: ${CHROMIUM} is missing; .ci/run installs Debian's chromium)`}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tdlab-dashboard-'));
  const runs = join(dir, 'runs');
  let server: ChildProcess | undefined;
  let browser: Browser | undefined;
  let url = '';
  let stderr = '';

  beforeAll(async () => {
    // A run that is already finished in --runs DIR: the dashboard lists and draws it from its files.
    writeFileSync(join(dir, 'finished.yaml'), finishedStudy);
    expect(await main(['run', join(dir, 'finished.yaml'), '--out', join(runs, 'finished-run')], () => {})).toBe(0);
    writeFileSync(join(dir, 'slow.yaml'), slowStudy);

    const child = spawn(process.execPath, ['--conditions=@tdlab/source', '--import', 'tsx', join(root, 'packages/cli/src/bin.ts'), 'dashboard', '--port', '0', '--runs', runs], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server = child;
    child.stderr?.on('data', (chunk) => (stderr += chunk));
    url = await new Promise<string>((done, fail) => {
      let stdout = '';
      child.stdout?.on('data', (chunk) => {
        stdout += chunk;
        const match = /dashboard: (http:\/\/\S+)/.exec(stdout);
        if (match) done(match[1]);
      });
      child.once('exit', (code) => fail(new Error(`dashboard exited (${code}): ${stderr}`)));
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (server && server.exitCode === null) {
      const exited = new Promise((done) => server?.once('exit', done));
      server.kill('SIGINT');
      await exited;
    }
  }, 30_000);

  it('lists runs, starts a study from the page and draws its curves as steps arrive', async () => {
    const page = await browser!.newPage({ viewport: { width: 1200, height: 800 } });
    await page.goto(url);
    await expect(page.title()).resolves.toBe('tdlab dashboard');
    // The example studies are offered, and the finished run is listed with its outcome.
    expect(await page.locator('#study-select option').count()).toBeGreaterThan(5);
    await page.locator('tr[data-id="finished-run"]').waitFor();
    expect(await page.locator('tr[data-id="finished-run"]').textContent()).toContain('max-steps');
    await page.locator('tr[data-id="finished-run"]').click();
    await waitForSelectedRun(page, 'max-steps');
    await waitForPoints(page, 'loss-figure', 'n === 61');

    // Start the slow study by its path, with a click.
    await page.fill('#study-path', join(dir, 'slow.yaml'));
    await page.click('#start');
    await page.locator('#runs tr.selected[data-status="running"]').waitFor({ timeout: 30_000 });
    await waitForPoints(page, 'loss-figure', 'n >= 5');
    const first = await pointCount(page, 'loss-figure');
    const firstEta = await pointCount(page, 'eta-lambda-figure');
    expect(firstEta).toBeGreaterThanOrEqual(1);
    // The curves gain points as steps arrive. A curve keeps at most 2000 points (thinned), so on a
    // fast machine the count may saturate: wait for the drawn points to change, then compare counts
    // only while below the cap.
    for (const figure of ['loss-figure', 'eta-lambda-figure']) {
      const before = await page.locator(`#${figure} polyline.curve`).getAttribute('points');
      const drawn = `(document.querySelector('#${figure} polyline.curve')?.getAttribute('points') ?? '')`;
      await page.waitForFunction(`${drawn} !== ${JSON.stringify(before ?? '')}`, null, { timeout: 30_000 });
    }
    const second = await pointCount(page, 'loss-figure');
    const secondEta = await pointCount(page, 'eta-lambda-figure');
    if (first < 1900) expect(second).toBeGreaterThan(first);
    if (firstEta < 1900) expect(secondEta).toBeGreaterThan(firstEta);
    expect(await page.locator('#eta-lambda-figure line.threshold').count()).toBe(2);

    const shot = join(dir, 'dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
    const png = decode(readFileSync(shot));
    expect(png.width).toBeGreaterThan(800);
    let nonWhite = 0;
    const channels = png.channels;
    for (let i = 0; i < png.data.length; i += channels) if (png.data[i] < 240 || png.data[i + 1] < 240 || png.data[i + 2] < 240) nonWhite++;
    expect(nonWhite).toBeGreaterThan(1000);
    console.log(`dashboard screenshot: ${shot} (${first} → ${second} loss points)`);

    // Cancel it from the page: its run directory is flushed with outcome cancelled.
    await page.click('tr[data-status="running"] button.cancel');
    await waitForSelectedRun(page, 'cancelled');
    const started = (await page.locator('#runs tr.selected').getAttribute('data-id'))!;
    const summary = JSON.parse(readFileSync(join(runs, started, 'summary.json'), 'utf8'));
    expect(summary.outcome).toBe('cancelled');
    await page.close();
  }, 120_000);
});
