#!/usr/bin/env node
// Browser test of the wirescope dashboard against a running `wirescope serve` on the lab.
//
//   WIRESCOPE_URL=http://127.0.0.1:7878 npm run e2e
//
// Env: WIRESCOPE_URL (dashboard, default http://127.0.0.1:7878), WIRESCOPE_TOKEN (access token,
// optional), SCREENSHOT_DIR (default web/e2e/screenshots), CHROMIUM (default /usr/bin/chromium),
// E2E_TIMEOUT_MS (whole run, default 120000), E2E_PING_RATE (packets/s of the ping run, default
// 200: 400 targets then take about 2 s, so rows can be seen arriving).
// Uses Debian's chromium through playwright-core; never downloads a browser.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const BASE = (process.env.WIRESCOPE_URL || 'http://127.0.0.1:7878').replace(/\/+$/, '');
const TOKEN = process.env.WIRESCOPE_TOKEN || '';
const SHOTS = path.resolve(process.env.SCREENSHOT_DIR || path.join(here, 'screenshots'));
const BROWSER = process.env.CHROMIUM || '/usr/bin/chromium';
const TOTAL_MS = Number(process.env.E2E_TIMEOUT_MS || 120_000);
const PING_RATE = process.env.E2E_PING_RATE ?? '200';

const PING_TARGETS = '198.18.16.1-198.18.17.144';
const PING_COUNT = 400;
const TRACE_TARGET = '198.18.3.1';
const TRACE_HOPS = 4;

const started = Date.now();
const log = (msg) => console.log(`[e2e ${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);

class Failure extends Error {}
const fail = (msg) => {
  throw new Failure(msg);
};

let context = null;
let page = null;
const userDataDir = mkdtempSync(path.join(tmpdir(), 'wirescope-e2e-'));
const pageErrors = [];

async function cleanup() {
  try {
    await context?.close();
  } catch {
    // already gone
  }
  rmSync(userDataDir, { recursive: true, force: true });
}

const watchdog = setTimeout(async () => {
  console.error(`e2e FAILED: did not finish within ${TOTAL_MS / 1000} s`);
  try {
    await page?.screenshot({ path: path.join(SHOTS, 'failure-timeout.png') });
  } catch {
    // the page may be stuck
  }
  await cleanup();
  process.exit(1);
}, TOTAL_MS);

function url(hash) {
  return `${BASE}/${TOKEN ? `?token=${encodeURIComponent(TOKEN)}` : ''}${hash}`;
}

async function shot(name) {
  const file = path.join(SHOTS, name);
  await page.screenshot({ path: file });
  log(`screenshot ${file}`);
}

/** Polls fn in the page until it returns a truthy value. */
async function waitFor(what, fn, arg, timeout = 30_000, every = 50) {
  const until = Date.now() + timeout;
  for (;;) {
    const v = await page.evaluate(fn, arg);
    if (v) return v;
    if (Date.now() > until) fail(`timed out after ${timeout / 1000} s waiting for ${what}`);
    await page.waitForTimeout(every);
  }
}

/** The run page's state: id, status, progress text, results held, rows rendered, error. */
function runState() {
  const run = document.querySelector('[data-testid="run"]');
  const table = document.querySelector('[data-testid="results"]');
  const loadError = document.querySelector('[data-testid="load-error"]');
  return {
    hash: location.hash,
    id: run ? Number(run.getAttribute('data-run-id')) : null,
    status: document.querySelector('[data-testid="status"]')?.textContent?.trim() ?? null,
    progress: document.querySelector('[data-testid="progress"]')?.textContent?.trim() ?? null,
    count: table ? Number(table.getAttribute('data-count')) : null,
    rendered: document.querySelectorAll('[data-testid="result-row"]').length,
    error:
      document.querySelector('[data-testid="run-error"]')?.textContent?.trim() ??
      loadError?.textContent?.trim() ??
      null,
    summary: document.querySelector('[data-testid="summary"]')?.innerText?.replace(/\s+/g, ' ').trim() ?? null,
  };
}

const TERMINAL = new Set(['finished', 'cancelled', 'interrupted', 'failed']);

/** Fills the New-run form and submits; returns the new run's id once its page shows. */
async function startRun(kind, targets, options = {}) {
  await page.goto(url('#/new'));
  await page.click(`[data-testid="kind-${kind}"]`);
  await page.fill('[data-testid="targets"]', targets);
  for (const [name, value] of Object.entries(options)) {
    await page.fill(`[data-field="options.${name}"] input`, String(value));
  }
  if (kind === 'ping') await shot('new-run.png');
  await page.click('[data-testid="submit"]');
  const state = await waitFor(
    `the ${kind} run page (or a form error)`,
    () => {
      const err = document.querySelector('[data-testid="form-error"], [data-testid="field-error"], [data-testid="auth-error"]');
      if (err) return { formError: err.textContent.trim() };
      const run = document.querySelector('[data-testid="run"]');
      return run && /^#\/runs\/\d+$/.test(location.hash) ? { id: Number(run.getAttribute('data-run-id')) } : null;
    },
    undefined,
    15_000,
  );
  if (state.formError) fail(`starting the ${kind} run was refused: ${state.formError}`);
  log(`${kind} run #${state.id} started`);
  return state.id;
}

/** Waits for the run on the page to end; checks it finished with `expected` results. */
async function waitFinished(what, expected, onPoll) {
  const until = Date.now() + 60_000;
  let s;
  for (;;) {
    s = await page.evaluate(runState);
    if (onPoll) await onPoll(s);
    if (s.status && TERMINAL.has(s.status)) break;
    if (s.error && !s.status) fail(`${what}: ${s.error}`);
    if (Date.now() > until) fail(`${what} did not finish in 60 s (status ${s.status}, progress ${s.progress}, ${s.count} results)`);
    await page.waitForTimeout(50);
  }
  // the last frame's results may land just after the status
  s = await waitFor(`${what}: ${expected} results`, (n) => {
    const t = document.querySelector('[data-testid="results"]');
    return t && Number(t.getAttribute('data-count')) >= n ? true : null;
  }, expected, 5_000).then(() => page.evaluate(runState)).catch(() => page.evaluate(runState));
  if (s.status !== 'finished') fail(`${what} ended ${s.status}${s.error ? `: ${s.error}` : ''}`);
  if (s.count !== expected) fail(`${what} finished with ${s.count} results, expected ${expected}`);
  if (s.progress !== `${expected}/${expected}`) fail(`${what} progress shows "${s.progress}", expected "${expected}/${expected}"`);
  log(`${what} finished: ${s.count} results, ${s.summary ?? 'no summary'}`);
  return s;
}

async function main() {
  mkdirSync(SHOTS, { recursive: true });
  log(`dashboard ${BASE}, browser ${BROWSER}, screenshots in ${SHOTS}`);
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: BROWSER,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    viewport: { width: 1440, height: 900 },
    colorScheme: 'dark',
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (e) => {
    pageErrors.push(e.message);
    console.error(`page error: ${e.message}`);
  });
  page.on('console', (m) => {
    if (m.type() === 'error') console.error(`browser console: ${m.text()}`);
  });

  // 0. the page loads
  const res = await page.goto(url('#/new')).catch((e) => fail(`cannot open ${BASE}: ${e.message}`));
  if (!res || !res.ok()) fail(`GET ${BASE}/ answered ${res ? res.status() : 'nothing'}`);
  await page.waitForSelector('[data-testid="new-run"]');

  // 1. ping the 400 lab hosts; rows stream in
  const pingId = await startRun('ping', PING_TARGETS, PING_RATE ? { rate: PING_RATE } : {});
  const seen = new Set();
  let liveShot = false;
  const pingDone = await waitFinished(`ping run #${pingId}`, PING_COUNT, async (s) => {
    if (s.count !== null) seen.add(s.count);
    if (!liveShot && s.count > 0 && s.count < PING_COUNT && s.status === 'running') {
      liveShot = true;
      await shot('ping-live.png');
    }
  });
  const partial = [...seen].filter((n) => n > 0 && n < PING_COUNT).sort((a, b) => a - b);
  log(`data-count values seen: ${[...seen].sort((a, b) => a - b).join(', ')}`);
  if (!partial.length)
    fail(`results did not stream: data-count went from 0 straight to ${PING_COUNT} (no intermediate value was seen)`);
  if (!liveShot) await shot('ping-live.png');
  if (pingDone.rendered === 0) fail('the results table rendered no rows');
  if (pingDone.rendered >= PING_COUNT)
    fail(`the results table rendered all ${pingDone.rendered} rows: it is not virtualized`);
  await shot('ping-done.png');

  // 2. trace to the host 4 hops away, open its row, see the hops
  const traceId = await startRun('trace', TRACE_TARGET);
  await waitFinished(`trace run #${traceId}`, 1);
  await page.click('[data-testid="result-row"]');
  await page.waitForSelector('[data-testid="detail"]');
  const hops = await page.locator('[data-testid="detail"] [data-testid="hop-row"]').count();
  if (hops !== TRACE_HOPS) {
    const text = await page.locator('[data-testid="detail"]').innerText();
    fail(`the trace detail shows ${hops} hops, expected ${TRACE_HOPS}:\n${text}`);
  }
  log(`trace detail shows ${hops} hops`);
  await shot('trace-detail.png');

  // 3. history lists both; re-run the ping; compare the two ping runs
  await page.goto(url('#/history'));
  await waitFor(
    `runs #${pingId} and #${traceId} in History`,
    ([a, b]) =>
      document.querySelector(`[data-testid="history-row"][data-run-id="${a}"]`) &&
      document.querySelector(`[data-testid="history-row"][data-run-id="${b}"]`),
    [pingId, traceId],
    10_000,
  );
  await shot('history.png');

  await page.goto(url(`#/runs/${pingId}`));
  await page.waitForSelector(`[data-testid="run"][data-run-id="${pingId}"]`);
  await page.click('[data-testid="rerun"]');
  const rerun = await waitFor(
    'the re-run page',
    (old) => {
      const run = document.querySelector('[data-testid="run"]');
      const id = run ? Number(run.getAttribute('data-run-id')) : null;
      const err = document.querySelector('[data-testid="action-error"]');
      if (err) return { error: err.textContent.trim() };
      return id && id !== old ? { id } : null;
    },
    pingId,
    15_000,
  );
  if (rerun.error) fail(`Re-run was refused: ${rerun.error}`);
  log(`re-run is run #${rerun.id}`);
  await waitFinished(`ping re-run #${rerun.id}`, PING_COUNT);

  await page.goto(url('#/history'));
  for (const id of [pingId, rerun.id]) {
    const box = page.locator(`[data-testid="history-row"][data-run-id="${id}"] [data-testid="pick"]`);
    await box.waitFor();
    await box.check();
  }
  await page.click('[data-testid="compare"]');
  const cmp = await waitFor(
    'the compare view',
    () => {
      const c = document.querySelector('[data-testid="compare-view"]');
      const err = document.querySelector('[data-testid="compare-error"]');
      if (err) return { error: err.textContent.trim() };
      return c
        ? {
            hash: location.hash,
            changes: Number(c.getAttribute('data-changes')),
            unchanged: Number(c.getAttribute('data-unchanged')),
            rows: document.querySelectorAll('[data-testid="compare-row"]').length,
          }
        : null;
    },
    undefined,
    15_000,
  );
  if (cmp.error) fail(`compare failed: ${cmp.error}`);
  const want = `#/compare/${Math.min(pingId, rerun.id)}/${Math.max(pingId, rerun.id)}`;
  if (cmp.hash !== want) fail(`compare opened ${cmp.hash}, expected ${want}`);
  if (cmp.changes + cmp.unchanged !== PING_COUNT)
    fail(`compare counts ${cmp.changes} changed + ${cmp.unchanged} unchanged, expected ${PING_COUNT} in all`);
  if (cmp.changes > 0 && cmp.rows === 0) fail(`compare reports ${cmp.changes} changes but shows no change row`);
  log(`compare: ${cmp.changes} changed (${cmp.rows} rows rendered), ${cmp.unchanged} unchanged`);
  await shot('compare.png');

  // 4. theme: dark by the system preference, toggled to light, remembered after a reload
  const theme = () => document.documentElement.dataset.theme;
  const before = await page.evaluate(theme);
  if (before !== 'dark') fail(`the page should follow the dark system preference, theme is "${before}"`);
  await page.click('[data-testid="theme-toggle"]');
  const after = await page.evaluate(theme);
  if (after !== 'light') fail(`the theme toggle gave "${after}", expected "light"`);
  await page.reload();
  await page.waitForSelector('[data-testid="theme-toggle"]');
  const kept = await page.evaluate(theme);
  if (kept !== 'light') fail(`the light theme was not remembered after a reload ("${kept}")`);
  await page.goto(url(`#/runs/${pingId}`));
  await page.waitForSelector('[data-testid="result-row"]');
  await shot('light-theme.png');

  if (pageErrors.length) fail(`the page threw ${pageErrors.length} error(s): ${pageErrors.join(' | ')}`);
}

main()
  .then(async () => {
    clearTimeout(watchdog);
    await cleanup();
    log('e2e passed: 4 steps, 7 screenshots');
    console.log('4 passed, 0 failed');
    process.exit(0);
  })
  .catch(async (e) => {
    clearTimeout(watchdog);
    console.error(`e2e FAILED: ${e instanceof Failure ? e.message : e?.stack || e}`);
    try {
      if (page) await page.screenshot({ path: path.join(SHOTS, 'failure.png') });
      if (page) console.error(`(screenshot of the failure: ${path.join(SHOTS, 'failure.png')})`);
    } catch {
      // no page to show
    }
    await cleanup();
    process.exit(1);
  });
