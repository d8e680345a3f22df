/**
 * The dashboard as a person sees it: Debian's headless Chromium (driven by playwright-core) loads the page
 * of a real `seqtrain local` run (a child process: coordinator, two worker agents, two training processes
 * on loopback) while it trains, and checks that the loss curve grows between two reads and that the ring
 * membership lists both ranks. A screenshot goes to the test's temp dir and, when SEQTRAIN_SCREENSHOT_DIR is
 * set (relative to the repository root), there too: `apps/coordinator/docs/dashboard.png` was made so.
 *
 * Needs /usr/bin/chromium (`apt-get install -y chromium`, which .ci/run does) and the built CLI (the Nx
 * test target of this project builds @seqtrain/cli first). Without Chromium the suite is skipped with a
 * message.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareText } from '@seqtrain/data';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const REPO_ROOT = resolve(fileURLToPath(import.meta.url), '../../../..');
const CLI_BIN = join(REPO_ROOT, 'apps/cli/bin/seqtrain.js');
const STEPS = 80;
const RUN_TIMEOUT_MS = 240_000;
const WAIT_MS = 120_000;

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  console.warn(`dashboard browser test skipped: ${CHROMIUM} is absent. .ci/run installs it (apt-get install -y chromium); do the same to run it.`);
}

/** The few DOM types the in-page functions use (this project compiles without the DOM library). */
interface PageGlobals {
  document: { querySelector(selector: string): { points: { numberOfItems: number } } | null };
}

/**
 * Runs in the page (self-contained: Playwright sends its source): points of the drawn per-step training
 * loss line. A function, not a string, because the page's CSP rightly forbids eval.
 */
function lossPointsInPage(): number {
  const { document } = globalThis as unknown as PageGlobals;
  return document.querySelector('#loss-chart polyline.loss-raw')?.points.numberOfItems ?? 0;
}

/** Runs in the page: whether the loss line has at least `min` points. */
function lossPointsAtLeastInPage(min: number): boolean {
  const { document } = globalThis as unknown as PageGlobals;
  return (document.querySelector('#loss-chart polyline.loss-raw')?.points.numberOfItems ?? 0) >= min;
}

describe.skipIf(!haveChromium)('the dashboard in headless Chromium during a real seqtrain local run', () => {
  let root: string;
  let browser: Browser | undefined;
  let child: ChildProcess | undefined;
  let stderr = '';

  beforeAll(async () => {
    expect(existsSync(join(REPO_ROOT, 'apps/cli/dist/main.js')), 'the CLI is not built: run `npm run build` in the repository root').toBe(true);
    root = mkdtempSync(join(tmpdir(), 'seqtrain-dashboard-'));
    writeFileSync(join(root, 'slice.txt'), readFileSync(join(REPO_ROOT, 'datasets/text/moby-dick.txt'), 'utf8').slice(0, 40_000));
    await prepareText({ input: join(root, 'slice.txt'), out: join(root, 'data'), seqLen: 20, step: 3, shards: 2, validationFraction: 0.1 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, RUN_TIMEOUT_MS);

  afterAll(async () => {
    if (child?.pid !== undefined && child.exitCode === null) {
      // Only after a failure: the run has its own process group (detached), so this ends exactly the
      // processes it started (seqtrain local, its worker agents, their training processes). SIGTERM alone
      // is not enough while agents are still booting: their training processes would outlive them.
      const exited = new Promise((r) => child?.once('exit', r));
      process.kill(-child.pid, 'SIGKILL');
      await exited;
    }
    await browser?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('shows the loss curve growing and both ranks of the ring while the run trains', async () => {
    const args = ['local', '--data', join(root, 'data'), '--out', join(root, 'run'), '--workers', '2', '--global-batch', '32', '--steps', String(STEPS)];
    args.push('--units', '16', '--embedding-dim', '8', '--validate-every', '20', '--validation-samples', '128', '--checkpoint-every', '1000');
    args.push('--no-generate', '--no-progress', '--log-every', '20', '--dashboard-port', '0', '--name', 'dashboard-demo');
    const proc = spawn(process.execPath, [CLI_BIN, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child = proc;
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    proc.stdout?.resume();
    const url = await new Promise<string>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`no "dashboard:" line within ${WAIT_MS} ms; stderr:\n${stderr}`)), WAIT_MS);
      proc.stderr?.setEncoding('utf8');
      proc.stderr?.on('data', (chunk: string) => {
        stderr += chunk;
        const m = /^dashboard: (http:\/\/\S+)$/m.exec(stderr);
        if (m?.[1]) {
          clearTimeout(timer);
          res(m[1]);
        }
      });
      proc.once('exit', (code) => rej(new Error(`seqtrain local exited with ${code} before printing its dashboard; stderr:\n${stderr}`)));
    });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const page = await (browser as Browser).newPage({ viewport: { width: 1280, height: 860 } });
    const pageErrors: string[] = [];
    const foreign: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('request', (req) => {
      if (!req.url().startsWith(url)) foreign.push(req.url());
    });
    await page.goto(url);

    // First read: a few steps are drawn and the run is still going.
    await page.waitForFunction(lossPointsAtLeastInPage, 3, { timeout: WAIT_MS });
    const first = await page.evaluate(lossPointsInPage);
    expect(await page.getAttribute('#status', 'data-status')).toBe('running');
    expect(proc.exitCode).toBeNull();
    // Second read: the curve has grown, pushed by /events (the page never reloads).
    await page.waitForFunction(lossPointsAtLeastInPage, first + 1, { timeout: WAIT_MS });
    const second = await page.evaluate(lossPointsInPage);
    expect(second).toBeGreaterThan(first);

    const rows = await page.$$eval('#ranks-table tbody tr[data-rank]', (trs) =>
      trs.map((tr) => ({ rank: tr.getAttribute('data-rank'), health: tr.getAttribute('data-health'), cells: [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '') }))
    );
    expect(rows.map((r) => [r.rank, r.health])).toEqual([
      ['0', 'up'],
      ['1', 'up'],
    ]);
    for (const r of rows) {
      expect(r.cells[1], 'host').not.toBe('');
      expect(Number(r.cells[2]), 'pid').toBeGreaterThan(0);
      expect(r.cells[5], 'ring address').toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    }
    expect(await page.locator('#ring g.node').count()).toBe(2);

    // The screenshot shows a run three quarters through: curve, validation points, live ring.
    await page.waitForFunction(lossPointsAtLeastInPage, Math.floor(STEPS * 0.75), { timeout: WAIT_MS });
    const shot = join(root, 'dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
    const dir = process.env.SEQTRAIN_SCREENSHOT_DIR;
    if (dir) {
      const target = resolve(REPO_ROOT, dir);
      mkdirSync(target, { recursive: true });
      copyFileSync(shot, join(target, 'dashboard.png'));
    }

    // The end of the run reaches the page as well, with every step and every validation pass.
    await page.waitForSelector('#status[data-status="completed"]', { timeout: WAIT_MS });
    expect(await page.evaluate(lossPointsInPage)).toBe(STEPS);
    expect(await page.locator('#loss-chart polyline.validation').getAttribute('points')).toMatch(/^(\S+ ){3}\S+$/);
    expect(await exited, stderr).toBe(0);
    expect(stderr).toMatch(/^dashboard: http:\/\/127\.0\.0\.1:\d+$/m);
    expect(pageErrors).toEqual([]);
    expect(foreign).toEqual([]);
    await page.close();
  }, RUN_TIMEOUT_MS);
});
