#!/usr/bin/env node
// Browser test of the wirescope dashboard against a running `wirescope serve` on the lab.
//
//   WIRESCOPE_URL=http://127.0.0.1:7878 npm run e2e
//
// Env: WIRESCOPE_URL (dashboard, default http://127.0.0.1:7878), WIRESCOPE_TOKEN (access token,
// optional), SCREENSHOT_DIR (default web/e2e/screenshots), CHROMIUM (default /usr/bin/chromium),
// E2E_ONLY=traffic, ssh, configs, suites, watch, traps, agents or host (only that step), E2E_TIMEOUT_MS (whole run, default 120000), E2E_PING_RATE (packets/s of the ping run, default
// 200: 400 targets then take about 2 s, so rows can be seen arriving).
// LAB_SNMP_COMMUNITY (the lab agents' community, default wslpublic as lab/lab.env sets it).
// E2E_SSH_PASSWORD (the SSH step: the password of the lab's user wsl-pw, LAB_SSH_PW_PASSWORD in
// lab/lab.env), E2E_SSH_KBD_PASSWORD (the SSH step: the password of the keyboard-interactive-only
// user wsl-kbd, LAB_SSH_KBD_PASSWORD in lab/lab.env, typed at the login prompt the page relays),
// E2E_SSH_NETNS (the namespace the SSH sessions go from, default wsl-c).
// The SNMP steps need the server to have a credential store (WIRESCOPE_SECRET_STORE=file and
// WIRESCOPE_SECRETS_PASSPHRASE, as scripts/e2e.sh gives it) and the lab's switches s1-s3.
// The traps step runs `ip netns exec` itself (root, as scripts/e2e.sh runs this): net-snmp's
// snmptrap in the lab host's namespace, and s1's link swp2 taken down (and always up again);
// LAB_TRAP_COMMUNITY (the switches' trap community, default wsltraps as lab/lab.env sets it).
// The agents step starts a real `wirescope agent` (E2E_BIN, the binary under test) that dials
// this server and probes from the lab namespace LAB_ALT_NS (default wsl-alt), which reaches
// LAB_ALT_V4 (default 198.18.7.1) but not LAB_MANY_FIRST (default 198.18.16.1).
// Uses Debian's chromium through playwright-core; never downloads a browser.

import { execFileSync, spawn } from 'node:child_process';
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
// E2E_ONLY=traffic, ssh, configs, suites, watch, traps, agents or host runs only that step (quick iteration on it)
const ONLY = process.env.E2E_ONLY || '';
const ONLY_STEPS = ['traffic', 'ssh', 'configs', 'suites', 'watch', 'traps', 'agents', 'host'];
if (ONLY && !ONLY_STEPS.includes(ONLY)) {
  console.error(`e2e: E2E_ONLY=${ONLY}: only ${ONLY_STEPS.map((s) => `"${s}"`).join(', ')}`);
  process.exit(2);
}

const PING_TARGETS = '198.18.16.1-198.18.17.144';
const PING_COUNT = 400;
const TRACE_TARGET = '198.18.3.1';
const TRACE_HOPS = 4;
// the lab's switch s1; LLDP links s1-s2, s2-s3, s1-s3
const SNMP_SEED = '198.18.0.161';
/** The access segment's router (wsl-gw) and a host behind its switch (lab.env). */
const LOCATE_SEED = '198.18.0.171';
const LOCATE_HOST = '198.18.48.11';
const SNMP_COMMUNITY = process.env.LAB_SNMP_COMMUNITY || 'wslpublic';
/** The first admin's one-time setup code that `serve` printed (scripts/e2e.sh passes it on). */
const SETUP_CODE = process.env.E2E_SETUP_CODE || '';
const SNMP_PROFILE = 'e2e-lab';
const MAP_DEVICES = 3;
const MAP_LINKS = 3;
const DRAG = { dx: 90, dy: 60 };
// the traffic step: 20 pings to one lab host captured on eth0 with BPF icmp
const CAPTURE_TARGET = '198.18.16.9';
const CAPTURE_PINGS = 20;
// the SSH step: the lab's sshd (wsl-ssh) as the password user, and three of its 200 addresses
const SSH_HOST = '198.18.0.122';
const SSH_USER = 'wsl-pw';
const SSH_PASSWORD = process.env.E2E_SSH_PASSWORD || '';
// the keyboard-interactive-only user: no password in the form, the device's prompt answered in the page
const SSH_KBD_USER = 'wsl-kbd';
const SSH_KBD_PASSWORD = process.env.E2E_SSH_KBD_PASSWORD || '';
const SSH_NETNS = process.env.E2E_SSH_NETNS || 'wsl-c';
const SSH_RUN_TARGETS = '198.18.40.1-3';
const SSH_RUN_ADDRS = ['198.18.40.1', '198.18.40.2', '198.18.40.3'];
const SSH_RUN_COMMAND = 'echo $SSH_CONNECTION';
// the lab's emulated network CLIs (lab/netcli): an IOS and a Junos device
const NETCLI_PORT = process.env.E2E_NETCLI_PORT || '2300';
const NETCLI_USER = process.env.E2E_NETCLI_USER || 'wsl-net';
const NETCLI_PASSWORD = process.env.E2E_NETCLI_PASSWORD || '';
const NETCLI_ENABLE = process.env.E2E_NETCLI_ENABLE || '';
const NETCLI_IOS = '198.18.40.201';
const NETCLI_JUNOS = '198.18.40.204';
// the suites step: a ping of four lab hosts fired every 2 seconds (the server is in the lab's
// client namespace: no netns)
const SUITE_NAME = 'e2e-lab';
// the watch step: the lab's slow host (a trend) and a dead address (a "down" alert), every second
const WATCH_NAME = 'e2e-watch';
const WATCH_TARGETS = '198.18.0.30 198.18.128.1';
const WATCH_SLOW = '198.18.0.30';
const WATCH_DEAD = '198.18.128.1';
const SUITE_CRON = '*/2 * * * * *';
const SUITE_BAD_CRON = '61 * * * *';
const SUITE_TARGETS = '198.18.16.1-198.18.16.4';
// the traps step: the receiver on the client's address at the port the lab switches send their
// linkDown/linkUp to (any community accepted); a linkDown sent with net-snmp's snmptrap from the
// lab host; s1's swp2 taken down for real (its snmpd sends linkDown); a trap rule made in the editor
const TRAP_LISTEN = '198.18.0.10:10162';
const TRAP_COMMUNITY = process.env.LAB_TRAP_COMMUNITY || 'wsltraps';
const TRAP_HOST_NS = 'wsl-h';
const TRAP_HOST_ADDR = '198.18.0.20';
const TRAP_SWITCH_NS = 'wsl-s1';
const TRAP_SWITCH_LINK = 'swp2';
const TRAP_LINK_DOWN = 'IF-MIB::linkDown';
const TRAP_RULE = { name: 'e2e-links', oid: 'IF-MIB::link*', source: 's1*' };
// the agents step: an agent of site "branch" probing from the lab's second namespace, asked with
// this server ("local", in the client namespace) to ping a host only the client reaches and one
// both reach
const AGENT_BIN = process.env.E2E_BIN || '';
const AGENT_NAME = 'e2e-branch-1';
const AGENT_SITE = 'branch';
const AGENT_NETNS = process.env.LAB_ALT_NS || 'wsl-alt';
const BOTH_REACH = process.env.LAB_ALT_V4 || '198.18.7.1';
const ONLY_LOCAL_REACHES = process.env.LAB_MANY_FIRST || '198.18.16.1';

const started = Date.now();
const log = (msg) => console.log(`[e2e ${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);

class Failure extends Error {}
const fail = (msg) => {
  throw new Failure(msg);
};

let context = null;
let page = null;
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
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

/** What must be undone however the run ends (a lab link taken down): the watchdog runs these too. */
const undoOnExit = new Set();

const watchdog = setTimeout(async () => {
  console.error(`e2e FAILED: did not finish within ${TOTAL_MS / 1000} s`);
  for (const undo of undoOnExit) {
    const why = undo();
    if (why) console.error(`e2e: ${why}`);
  }
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

let shots = 0;
/** Clicks `selector` (a PDF link), saves the download and returns its text as pdftotext reads it. */
async function pdfText(selector, name) {
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.click(selector)]);
  const failure = await download.failure();
  if (failure) fail(`the ${name} download failed: ${failure}`);
  const file = path.join(userDataDir, name);
  await download.saveAs(file);
  if (download.suggestedFilename() !== name) fail(`the PDF downloads as ${download.suggestedFilename()}, expected ${name}`);
  const head = execFileSync('head', ['-c', '5', file]).toString();
  if (head !== '%PDF-') fail(`${name} is not a PDF: it starts ${JSON.stringify(head)}`);
  return execFileSync('pdftotext', ['-layout', file, '-'], { timeout: 30_000 }).toString();
}

async function shot(name) {
  const file = path.join(SHOTS, name);
  await page.screenshot({ path: file });
  shots += 1;
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

/** Picks exactly these credential profiles in the SNMP form, in this order. */
async function pickProfiles(names) {
  await page.waitForSelector(`[data-testid="profile-${names[0]}"]`);
  const chips = page.locator('[data-testid="profile-picker"] button[aria-pressed="true"]');
  while ((await chips.count()) > 0) await chips.first().click();
  for (const n of names) await page.click(`[data-testid="profile-${n}"]`);
}

/**
 * Fills the New-run form and submits; returns the new run's id once its page shows. Options are
 * set in order (an SNMP operation first: it decides which fields show); selects are selected,
 * `profiles` are picked, `true` ticks a checkbox; `net` options go in the network section.
 */
async function startRun(kind, targets, options = {}, net = {}) {
  await page.goto(url('#/new'));
  await page.click(`[data-testid="kind-${kind}"]`);
  await page.fill('[data-testid="targets"]', targets);
  for (const [name, value] of Object.entries(options)) {
    const field = `[data-field="options.${name}"]`;
    if (name === 'profiles') await pickProfiles(value);
    else if (value === true) await page.check(`${field} input[type="checkbox"]`);
    else if (await page.locator(`${field} select`).count()) await page.selectOption(`${field} select`, String(value));
    else await page.fill(`${field} input`, String(value));
  }
  for (const [name, value] of Object.entries(net)) {
    const field = `[data-field="net.${name}"] input`;
    if (!(await page.locator(field).count())) await page.click('button[aria-expanded="false"]:has-text("network")');
    await page.fill(field, String(value));
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

/**
 * Waits for the run on the page to end; checks it finished with `expected` results and shows
 * `progress` ("N/N", or "N devices" for a topology crawl).
 */
async function waitFinished(what, expected, onPoll, progress = `${expected}/${expected}`) {
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
  if (s.progress !== progress) fail(`${what} progress shows "${s.progress}", expected "${progress}"`);
  log(`${what} finished: ${s.count} results, ${s.summary ?? 'no summary'}`);
  return s;
}

/** The map's state: counts and viewport from the canvas, each device's position from its list row. */
function mapState() {
  const c = document.querySelector('[data-testid="map-canvas"]');
  if (!c) return null;
  const r = c.getBoundingClientRect();
  const n = (k) => Number(c.getAttribute(k));
  return {
    hash: location.hash,
    ready: c.getAttribute('data-ready') === 'true',
    nodes: n('data-node-count'),
    edges: n('data-edge-count'),
    polled: n('data-polled-count'),
    saves: n('data-saves'),
    zoom: n('data-zoom'),
    pan: { x: n('data-pan-x'), y: n('data-pan-y') },
    box: { left: r.left, top: r.top, width: r.width, height: r.height },
    devices: [...document.querySelectorAll('[data-testid="map-device"]')].map((d) => ({
      id: d.getAttribute('data-id'),
      state: d.getAttribute('data-state'),
      x: d.getAttribute('data-x') === '' ? null : Number(d.getAttribute('data-x')),
      y: d.getAttribute('data-y') === '' ? null : Number(d.getAttribute('data-y')),
    })),
    error: document.querySelector('[data-testid="map-error"]')?.textContent?.trim() ?? null,
  };
}

/** Waits for the map to be drawn with `nodes` devices placed. */
async function waitMap(nodes) {
  const m = await waitFor(
    `the map with ${nodes} devices`,
    (want) => {
      const c = document.querySelector('[data-testid="map-canvas"]');
      const err = document.querySelector('[data-testid="map-error"]');
      if (err) return { error: err.textContent.trim() };
      const placed = [...document.querySelectorAll('[data-testid="map-device"]')].filter((d) => d.getAttribute('data-x') !== '');
      return c && c.getAttribute('data-ready') === 'true' && Number(c.getAttribute('data-node-count')) >= want && placed.length >= want
        ? { ok: true }
        : null;
    },
    nodes,
    15_000,
  );
  if (m.error) fail(`the map failed: ${m.error}`);
  return page.evaluate(mapState);
}

/** Where a device is drawn on the page: its map position through the canvas' zoom and pan. */
function onScreen(m, id) {
  const d = m.devices.find((x) => x.id === id);
  if (!d || d.x === null) fail(`device ${id} is not on the map`);
  return { x: m.box.left + d.x * m.zoom + m.pan.x, y: m.box.top + d.y * m.zoom + m.pan.y };
}

/** No trace of a secret anywhere the page keeps text: markup, input values, storage, address. */
async function assertNoSecret(secret, where) {
  const leak = await page.evaluate((s) => {
    const places = {
      markup: document.documentElement.outerHTML,
      inputs: [...document.querySelectorAll('input, textarea')].map((i) => i.value).join('\n'),
      localStorage: JSON.stringify({ ...localStorage }),
      sessionStorage: JSON.stringify({ ...sessionStorage }),
      address: location.href,
    };
    return Object.entries(places)
      .filter(([, text]) => text.includes(s))
      .map(([k]) => k);
  }, secret);
  if (leak.length) fail(`${where}: the secret shows in the page's ${leak.join(', ')}`);
}

/** Calls the API from the page (same origin, the token as a header when set). */
async function pageApi(method, path, body) {
  return page.evaluate(
    async ({ method, path, body, token }) => {
      const headers = { Accept: 'application/json' };
      if (token) headers.Authorization = `Bearer ${token}`;
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await r.text();
      return { status: r.status, body: text ? JSON.parse(text) : null };
    },
    { method, path, body, token: TOKEN },
  );
}

/** The capture page's state. */
function captureState() {
  const cap = document.querySelector('[data-testid="capture"]');
  const list = document.querySelector('[data-testid="packets"]');
  return {
    hash: location.hash,
    id: cap ? Number(cap.getAttribute('data-capture-id')) : null,
    running: cap?.getAttribute('data-running') ?? null,
    frames: cap ? Number(cap.getAttribute('data-frames')) : null,
    count: list ? Number(list.getAttribute('data-count')) : null,
    rendered: document.querySelectorAll('[data-testid="packet-row"]').length,
    state: document.querySelector('[data-testid="capture-state"]')?.textContent?.trim() ?? null,
    protos: [...document.querySelectorAll('[data-testid="proto-bar"]')].map((b) => b.getAttribute('data-proto')),
    filterError: document.querySelector('[data-testid="filter-error"]')?.innerText ?? null,
    error:
      document.querySelector('[data-testid="load-error"], [data-testid="action-error"], [data-testid="form-error"], [data-testid="field-error"]')
        ?.textContent?.trim() ?? null,
  };
}

/** Polls the capture page's state until pred(state, arg) holds; fails on an error shown. */
async function waitCapture(what, pred, arg, timeout = 30_000) {
  const until = Date.now() + timeout;
  for (;;) {
    const s = await page.evaluate(captureState);
    if (s.error) fail(`${what}: the page shows an error: ${s.error}`);
    if (pred(s, arg)) return s;
    if (Date.now() > until)
      fail(`timed out after ${timeout / 1000} s waiting for ${what} (state: ${JSON.stringify({ ...s, protos: s.protos.slice(0, 6) })})`);
    await page.waitForTimeout(50);
  }
}

/**
 * The traffic analyzer: a live capture on eth0 (BPF icmp) started from the form, 20 pings to a
 * lab host started from the page, the rows streaming into the packet list, icmp in the protocol
 * chart, a display filter matching the 20 requests, a bad one showing its column, a frame's
 * layers and its bytes highlighted, Stop; then the capture's pcapng opened through the upload
 * control as a file session.
 */
async function trafficStep() {
  await page.goto(url('#/traffic'));
  await page.waitForSelector('[data-testid="traffic"] [data-testid="iface-eth0"]');
  const on = page.locator('[data-testid="capture-form"] button[aria-pressed="true"]');
  while ((await on.count()) > 0) await on.first().click();
  await page.click('[data-testid="iface-eth0"]');
  await page.fill('[data-testid="capture-bpf"]', 'icmp');
  await page.click('[data-testid="capture-start"]');
  const started = await waitCapture('the capture page of the new capture', (s) => s.id && s.running === 'true' && /^#\/captures\/\d+$/.test(s.hash));
  const capId = started.id;
  log(`capture #${capId} running on eth0 (bpf icmp)`);

  const run = await pageApi('POST', 'api/runs', {
    kind: 'ping',
    targets: [CAPTURE_TARGET],
    options: { count: CAPTURE_PINGS, interval: '50ms' },
  });
  if (run.status !== 201) fail(`POST /api/runs answered ${run.status}: ${JSON.stringify(run.body)}`);
  const want = CAPTURE_PINGS * 2;
  const got = await waitCapture(`${want} rows in the packet list`, (s, n) => s.count >= n, want);
  if (got.rendered === 0) fail('the packet list rendered no rows');
  const icmp = await waitCapture('icmp in the protocol chart', (s) => s.protos.includes('icmp'));
  log(`packet list: ${got.count} rows; protocols ${icmp.protos.join(', ')}`);
  const rowProtos = await page.$$eval('[data-testid="packet-row"]', (rs) => [...new Set(rs.map((r) => r.getAttribute('data-proto')))]);
  if (rowProtos.join() !== 'icmp') fail(`rows of other protocols than icmp under BPF icmp: ${rowProtos.join(', ')}`);
  const coloured = await page.$eval('[data-testid="packet-row"]', (r) => r.classList.contains('p-icmp'));
  if (!coloured) fail('icmp rows are not coloured (class p-icmp)');
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="bandwidth-chart"]')?.getAttribute('data-peak')) > 0);
  await shot('traffic.png');

  // display filter: the 20 echo requests
  const filter = `ip.dst == ${CAPTURE_TARGET}`;
  await page.fill('[data-testid="display-filter"]', filter);
  await page.press('[data-testid="display-filter"]', 'Enter');
  await waitCapture(`exactly ${CAPTURE_PINGS} rows for ${filter}`, (s, n) => s.count === n && s.rendered === n, CAPTURE_PINGS);
  await page.waitForTimeout(1500); // later updates must not add rows that do not match
  const still = await page.evaluate(captureState);
  if (still.count !== CAPTURE_PINGS) fail(`${filter} shows ${still.count} rows after a while, expected ${CAPTURE_PINGS}`);
  const dsts = await page.$$eval('[data-testid="packet-row"] span:nth-child(4)', (c) => [...new Set(c.map((x) => x.textContent.trim()))]);
  if (dsts.join() !== CAPTURE_TARGET) fail(`the filtered rows go to ${dsts.join(', ')}`);
  log(`display filter ${filter}: ${still.count} rows`);

  // a header click sorts: No. ascending, then descending, then as captured
  const order = () => page.$$eval('[data-testid="packet-row"]', (rs) => rs.map((r) => Number(r.getAttribute('data-no'))));
  const captured = await order();
  await page.click('[data-testid="sort-no"]');
  await page.click('[data-testid="sort-no"]');
  const descending = await order();
  if (descending.join() !== [...captured].sort((a, b) => b - a).join()) fail(`No. descending shows ${descending.join(',')}`);
  const sortState = await page.$eval('[data-testid="sort-no"]', (b) => b.parentElement.getAttribute('aria-sort'));
  if (sortState !== 'descending') fail(`the No. header says aria-sort=${sortState}`);
  await page.click('[data-testid="sort-no"]');
  if ((await order()).join() !== captured.join()) fail('a third click does not give the capture order back');
  log('packet list sorted by No. both ways and back');

  // a bad filter: the error, with a caret under its column
  const bad = 'ip.dst == 198.18.16.x';
  await page.fill('[data-testid="display-filter"]', bad);
  await page.press('[data-testid="display-filter"]', 'Enter');
  const badState = await waitCapture('the display filter error', (s) => s.filterError);
  const caret = await page.$eval('[data-testid="filter-caret"]', (c) => c.textContent);
  const col = /column (\d+)/.exec(badState.filterError)?.[1];
  if (!col) fail(`the filter error names no column: ${badState.filterError}`);
  if (caret.length !== Number(col)) fail(`the caret is at column ${caret.length}, the error says ${col}`);
  log(`bad filter: ${badState.filterError.split('\n').slice(-1)[0]} (caret at column ${caret.length})`);

  // back to the good filter; a row's layers and bytes
  await page.fill('[data-testid="display-filter"]', filter);
  await page.press('[data-testid="display-filter"]', 'Enter');
  await waitCapture(`${CAPTURE_PINGS} rows again`, (s, n) => s.count === n && !s.filterError, CAPTURE_PINGS);
  await page.click('[data-testid="follow"]');
  await page.click('[data-testid="packet-row"] >> nth=2');
  await page.waitForSelector('[data-testid="packet-detail"]');
  const layers = await page.$$eval('[data-testid="layer"]', (ls) => ls.map((l) => l.getAttribute('data-proto')));
  for (const l of ['eth', 'ip', 'icmp']) if (!layers.includes(l)) fail(`the frame's layers are ${layers.join(', ')}: no ${l}`);
  await page.click('[data-testid="field"][data-name="ip.dst"]');
  const hl = await page.$eval('[data-testid="hex"]', (h) => ({
    n: Number(h.getAttribute('data-highlight')),
    at: Number(h.getAttribute('data-hl-offset')),
    shown: h.querySelectorAll('.bytes .hl').length,
  }));
  if (hl.n !== 4 || hl.shown !== 4 || hl.at !== 30) fail(`ip.dst should highlight 4 bytes at 30, got ${JSON.stringify(hl)}`);
  log(`frame layers ${layers.join('/')}; ip.dst highlights bytes ${hl.at}..${hl.at + hl.n - 1}`);
  await shot('packet-detail.png');

  await page.click('[data-testid="capture-stop"]');
  await waitCapture('the capture to stop', (s) => s.running === 'false' && s.state === 'stopped');
  const capPdf = await pdfText('[data-testid="capture-pdf"]', `wirescope-capture-${capId}.pdf`);
  for (const w of [`Capture ${capId}`, 'Protocol mix', 'icmp', 'Top talkers'])
    if (!capPdf.includes(w)) fail(`the capture's PDF has no "${w}":\n${capPdf.slice(0, 2000)}`);
  log(`the capture's PDF button downloads its report`);

  // the capture's pcapng, opened as a file through the upload control
  const b64 = await page.evaluate(
    async ({ id, token }) => {
      const r = await fetch(`api/captures/${id}/pcapng`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
      if (!r.ok) return null;
      const bytes = new Uint8Array(await r.arrayBuffer());
      let s = '';
      for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
      return btoa(s);
    },
    { id: capId, token: TOKEN },
  );
  if (!b64) fail(`GET /api/captures/${capId}/pcapng failed`);
  const file = Buffer.from(b64, 'base64');
  await page.goto(url('#/traffic'));
  await page.waitForSelector(`[data-testid="capture-row"][data-id="${capId}"]`);
  await page.setInputFiles('[data-testid="capture-upload"]', { name: `e2e-capture-${capId}.pcapng`, mimeType: 'application/octet-stream', buffer: file });
  const up = await waitCapture(
    'the uploaded file session',
    (s, id) => s.id && s.id !== id && s.running === 'false' && s.frames >= 40 && s.count === s.frames,
    capId,
  );
  const source = await page.$eval('[data-testid="capture"] h2', (h) => h.textContent);
  if (!/File/.test(source)) fail(`the uploaded session is not a file session: ${source}`);
  log(`uploaded ${file.length} bytes: file session #${up.id} with ${up.frames} frames, ${up.count} rows`);

  // Its history: the minutes the server stored, every frame in the range "all", its file.
  await page.click('[data-testid="capture-tab-history"]');
  await page.click('[data-testid="history-range-all"]');
  await page.waitForFunction(
    (n) => {
      const t = document.querySelector('[data-testid="history-total"]');
      const h = document.querySelector('[data-testid="capture-history"]');
      return t && h && h.getAttribute('data-loading') === 'false' && Number(t.getAttribute('data-packets')) === n;
    },
    up.frames,
    { timeout: 10_000 },
  ).catch(async () => fail(`the history does not sum ${up.frames} frames: ${await page.$eval('[data-testid="capture-history"]', (h) => h.textContent)}`));
  const hist = await page.evaluate(() => ({
    buckets: Number(document.querySelector('[data-testid="history-chart"]')?.getAttribute('data-buckets')),
    icmp: document.querySelector('[data-testid="history-proto"][data-name="icmp"]')?.getAttribute('data-packets'),
    talkers: document.querySelectorAll('[data-testid="history-talker"]').length,
    files: document.querySelectorAll('[data-testid="history-file-download"]').length,
  }));
  if (!(hist.buckets >= 1) || Number(hist.icmp) !== up.frames || hist.talkers < 2 || hist.files !== 1) fail(`the capture's history: ${JSON.stringify(hist)}`);
  log(`history of #${up.id}: ${hist.buckets} bucket(s), ${hist.icmp} icmp, ${hist.talkers} talkers, ${hist.files} file`);
  // One protocol's trend: a click on its row charts it alone, "all traffic" goes back.
  await page.click('[data-testid="history-proto"][data-name="icmp"]');
  await page.waitForSelector('[data-testid="history-proto"][data-name="icmp"].picked');
  await page.click('[data-testid="history-all"]');
  await page.waitForSelector('[data-testid="history-all"]', { state: 'detached' });
  await shot('capture-history.png');
  // Both captures are in the History page's captures, stopped, with their files.
  await page.goto(url('#/history'));
  await page.click('[data-testid="history-captures"]');
  for (const id of [capId, up.id]) await page.waitForSelector(`[data-testid="capture-row"][data-id="${id}"][data-state="stopped"]`);
  log(`the History page lists captures #${capId} and #${up.id}`);
  await page.click('[data-testid="history-runs"]');
}

/** A map of the access segment (the router and its switch), searched for a host and a MAC nobody has. */
async function locateStep() {
  const seedRun = await startRun('snmp', LOCATE_SEED, { op: 'topology', profiles: [SNMP_PROFILE], depth: 1 });
  await waitFinished(`topology run #${seedRun}`, 2, undefined, '2 devices');
  await page.click('[data-testid="tab-map"]');
  await waitMap(2);
  await page.fill('[data-testid="map-search"]', LOCATE_HOST);
  await page.click('[data-testid="map-search-go"]');
  const found = await waitFor(
    `${LOCATE_HOST} located`,
    () => {
      const err = document.querySelector('[data-testid="map-search-error"]');
      if (err) return { error: err.textContent.trim() };
      const p = document.querySelector('[data-testid="located-place"]');
      if (!p) return null;
      return {
        device: p.getAttribute('data-device'),
        port: p.getAttribute('data-interface'),
        vlan: p.getAttribute('data-vlan'),
        text: p.querySelector('b')?.textContent ?? '',
        actions: [...p.querySelectorAll('[data-testid="located-action"]')].map((a) => [a.getAttribute('data-action'), a.getAttribute('href')]),
        selected: document.querySelector('[data-testid="map-node-detail"]')?.getAttribute('data-id') ?? null,
      };
    },
    undefined,
    60_000,
  );
  if (found.error) fail(`locating ${LOCATE_HOST} failed: ${found.error}`);
  if (found.device !== 'as1.lab.test' || found.port !== 'ge1' || found.vlan !== '20' || !found.text.includes("'desk-4.12'"))
    fail(`${LOCATE_HOST} was located at ${JSON.stringify(found)}, expected as1.lab.test ge1 vlan 20 'desk-4.12'`);
  const actions = Object.fromEntries(found.actions);
  if (!actions.terminal?.includes('198.18.0.170') || !actions.interface?.includes('op=interfaces') || !actions.ping?.includes(LOCATE_HOST))
    fail(`the place's actions are ${JSON.stringify(found.actions)}`);
  if (!found.selected) fail('the switch is not selected on the map');
  log(`map search: ${LOCATE_HOST} is on ${found.text}; ${found.selected} selected; actions ${found.actions.map((a) => a[0]).join(', ')}`);
  await shot('map-locate.png');
  // a MAC nobody learnt: nothing found, and why
  await page.fill('[data-testid="map-search"]', '02:00:00:00:00:09');
  await page.click('[data-testid="map-search-go"]');
  const none = await waitFor(
    'the reason nothing was found',
    () => {
      const l = document.querySelector('[data-testid="map-located"]');
      const n = document.querySelector('[data-testid="located-note"]');
      return l && l.getAttribute('data-found') === '0' && n ? n.textContent : null;
    },
    undefined,
    60_000,
  );
  if (!none.includes('not in the forwarding database')) fail(`an unknown MAC says: ${none}`);
  log(`an unknown MAC: ${none.slice(0, 80)}…`);
}

const TERM = '[data-testid="terminal-tab"]';
/** The terminal tab shown (the keyboard-interactive session opens a second one). */
const TERM_ACTIVE = '[data-testid="terminal-tab"][data-active="true"]';
const SIZE_LINE = /^(\d+) (\d+)$/;

/** The text of the terminal in `scope` as its rows show it (xterm's DOM renderer), one line per row. */
function screenLines(scope) {
  const rows = document.querySelector(`${scope} .xterm-rows`);
  if (!rows) return null;
  return [...rows.children].map((r) => (r.textContent ?? '').replace(/\u00a0/g, ' ').trimEnd());
}

/** Polls the screen of the terminal in `scope` until pred(lines) gives a value; fails with the screen. */
async function waitScreen(scope, what, pred, timeout = 15_000) {
  const until = Date.now() + timeout;
  let lines = null;
  for (;;) {
    lines = await page.evaluate(screenLines, scope);
    const v = lines && pred(lines);
    if (v) return v;
    if (scope.includes('"terminal-tab"')) {
      const err = await page.evaluate(
        (sc) => document.querySelector(`${sc} [data-testid="terminal-error"], ${sc} [data-testid="hostkey-changed"]`)?.textContent?.trim() ?? null,
        scope,
      );
      if (err) fail(`${what}: the terminal shows an error: ${err}`);
    }
    if (Date.now() > until) fail(`timed out after ${timeout / 1000} s waiting for ${what}; the screen:\n${(lines ?? []).filter(Boolean).join('\n')}`);
    await page.waitForTimeout(50);
  }
}

/** Types a command line into the terminal (real key presses; Enter sends a carriage return). */
async function typeLine(text) {
  await page.keyboard.type(text, { delay: 10 });
  await page.keyboard.press('Enter');
}

/** Runs `stty size` in the terminal; answers [rows, cols] as the remote tty sees them. */
async function sttySize() {
  const before = await page.evaluate(screenLines, TERM);
  const seen = before.filter((l) => SIZE_LINE.test(l)).length;
  await typeLine('stty size');
  const line = await waitScreen(TERM, 'the answer of stty size', (lines) => {
    const sizes = lines.filter((l) => SIZE_LINE.test(l));
    return sizes.length > seen ? sizes[sizes.length - 1] : null;
  });
  const [, rows, cols] = SIZE_LINE.exec(line);
  return [Number(rows), Number(cols)];
}

/** What the shown terminal tab waits for: a login prompt, a host-key prompt, an error, or ready. */
function kbdState(sel) {
  const tab = document.querySelector(sel);
  if (!tab) return null;
  const err = tab.querySelector('[data-testid="terminal-error"], [data-testid="hostkey-changed"]');
  if (err) return { error: err.textContent.replace(/\s+/g, ' ').trim() };
  const form = tab.querySelector('[data-testid="auth-prompt"]');
  if (form) {
    const inputs = [...form.querySelectorAll('[data-testid="auth-input"]')];
    return {
      auth: {
        labels: [...form.querySelectorAll('[data-testid="auth-label"]')].map((l) => l.textContent.trim()),
        types: inputs.map((i) => i.type),
        autocomplete: inputs.map((i) => i.getAttribute('autocomplete')),
        focused: inputs.length > 0 && document.activeElement === inputs[0],
      },
    };
  }
  if (tab.querySelector('[data-testid="hostkey-prompt"]')) return { hostkey: true };
  const phase = tab.getAttribute('data-phase');
  if (phase === 'ready') return { ready: tab.querySelector('[data-testid="terminal-status"]')?.textContent?.trim() ?? '' };
  if (phase === 'closed' || phase === 'failed') return { error: `the session ${phase}: ${tab.querySelector('[data-testid="terminal-status"]')?.textContent?.trim()}` };
  return null;
}

/**
 * Keyboard-interactive: a second terminal tab as wsl-kbd with no password in the form; the
 * device's Password: prompt shows in the tab (a password field, focused), the password typed
 * there and sent with Enter, then `id -un` answers wsl-kbd; the tab is closed.
 */
async function kbdSession() {
  await page.goto(url('#/terminal'));
  await page.waitForSelector('[data-testid="terminal-view"]');
  const tabsBefore = Number(await page.getAttribute('[data-testid="terminal-view"]', 'data-tabs'));
  if (!(await page.locator('[data-testid="connect-form"]').count())) await page.click('[data-testid="terminal-new-session"]');
  await page.waitForSelector('[data-testid="connect-form"]');
  await page.fill('[data-testid="t-target"]', SSH_HOST);
  await page.fill('[data-testid="t-port"]', '');
  await page.fill('[data-testid="t-user"]', SSH_KBD_USER);
  await page.fill('[data-testid="t-password"]', '');
  await page.fill('[data-testid="t-jump"]', '');
  await page.fill('[data-testid="t-netns"]', SSH_NETNS);
  await page.click('[data-testid="t-connect"]');
  await page.waitForSelector(`[data-testid="terminal-view"][data-tabs="${tabsBefore + 1}"]`, { timeout: 5_000 });

  let st = await waitFor(`the login prompt of ${SSH_KBD_USER}`, kbdState, TERM_ACTIVE, 20_000);
  if (st.hostkey) {
    // the key was accepted by the first session; a fresh known_hosts asks again
    log(`host-key prompt for ${SSH_HOST} again: accepted`);
    await page.click(`${TERM_ACTIVE} [data-testid="hostkey-accept"]`);
    await page.waitForSelector(`${TERM_ACTIVE} [data-testid="hostkey-prompt"]`, { state: 'detached', timeout: 5_000 });
    st = await waitFor(`the login prompt of ${SSH_KBD_USER}`, kbdState, TERM_ACTIVE, 20_000);
    if (st.hostkey) fail(`the host-key prompt for ${SSH_HOST} came back after Accept`);
  }
  if (st.error) fail(`the ${SSH_KBD_USER} terminal did not ask for a password: ${st.error}`);
  if (st.ready !== undefined) fail(`the ${SSH_KBD_USER} session was ready without a login prompt (${st.ready})`);
  const { labels, types, autocomplete, focused } = st.auth;
  if (!labels.some((l) => /password/i.test(l))) fail(`the login prompt asks ${JSON.stringify(labels)}, no password`);
  if (types[0] !== 'password') fail(`the login prompt's "${labels[0]}" field is type=${types[0]}, not a password field`);
  if (autocomplete.some((a) => a !== 'off')) fail(`the login prompt's fields have autocomplete=${autocomplete.join(',')}`);
  if (!focused) fail('the login prompt\'s first field does not have the focus');
  log(`login prompt for ${SSH_KBD_USER}@${SSH_HOST}: ${labels.join(' | ')}`);
  await shot('ssh-auth-prompt.png');

  // the password typed at the prompt, Enter submits
  const field = `${TERM_ACTIVE} [data-testid="auth-input"] >> nth=0`;
  await page.fill(field, SSH_KBD_PASSWORD);
  await page.press(field, 'Enter');
  st = await waitFor(
    `the ${SSH_KBD_USER} session to be ready`,
    (sel) => {
      const tab = document.querySelector(sel);
      if (!tab) return null;
      const err = tab.querySelector('[data-testid="terminal-error"]');
      if (err) return { error: err.textContent.replace(/\s+/g, ' ').trim() };
      const labels = [...tab.querySelectorAll('[data-testid="auth-prompt"] [data-testid="auth-label"]')].map((l) => l.textContent.trim());
      const phase = tab.getAttribute('data-phase');
      if (phase === 'auth_prompt' && labels.length) return { again: labels };
      if (phase === 'ready') return { ready: tab.querySelector('[data-testid="terminal-status"]')?.textContent?.trim() ?? '' };
      if (phase === 'closed' || phase === 'failed') return { error: `the session ${phase}` };
      return null;
    },
    TERM_ACTIVE,
    20_000,
  );
  if (st.error) fail(`the ${SSH_KBD_USER} login failed after the password: ${st.error}`);
  if (st.again) fail(`the ${SSH_KBD_USER} login asked again after the password: ${st.again.join(' | ')}`);
  if (!st.ready.includes('keyboard-interactive')) fail(`the ${SSH_KBD_USER} session reads "${st.ready}", expected a keyboard-interactive login`);
  await waitScreen(TERM_ACTIVE, `a shell prompt for ${SSH_KBD_USER}`, (lines) => lines.some((l) => /[$#]$/.test(l)));
  await assertNoSecret(SSH_KBD_PASSWORD, `the ${SSH_KBD_USER} terminal`);
  log(`${SSH_KBD_USER} logged in: ${st.ready}`);

  await page.click(`${TERM_ACTIVE} [data-testid="terminal-screen"]`);
  await typeLine('id -un');
  await waitScreen(TERM_ACTIVE, `"${SSH_KBD_USER}" from id -un`, (lines) => lines.some((l) => l.trim() === SSH_KBD_USER));
  log(`id -un answered ${SSH_KBD_USER}`);

  await page.click(`[data-testid="terminal-tab-close"] >> nth=${tabsBefore}`);
  await page.waitForSelector(`[data-testid="terminal-view"][data-tabs="${tabsBefore}"]`, { timeout: 5_000 });
  log(`${SSH_KBD_USER} tab closed`);
}

/**
 * SSH: a terminal to the lab's sshd with a password (the host-key prompt accepted, `echo
 * hello`, `stty size` before and after the window shrinks, `exit`), its recording replayed at
 * once; a second tab as the keyboard-interactive user with no password (the device's Password:
 * prompt relayed to the page and answered there, `id -un`); then an ssh run on three addresses
 * from the New-run form (three rows, exit 0) and its Diff tab (the outputs differ by address).
 */
async function sshStep() {
  if (!SSH_PASSWORD) fail('E2E_SSH_PASSWORD is not set: give it the password of the lab user wsl-pw (LAB_SSH_PW_PASSWORD in lab/lab.env)');
  if (!SSH_KBD_PASSWORD)
    fail('E2E_SSH_KBD_PASSWORD is not set: give it the password of the lab user wsl-kbd (LAB_SSH_KBD_PASSWORD in lab/lab.env)');
  const viewport = page.viewportSize();

  // a terminal, with the password
  await page.goto(url('#/terminal'));
  await page.waitForSelector('[data-testid="connect-form"]');
  await page.fill('[data-testid="t-target"]', SSH_HOST);
  await page.fill('[data-testid="t-user"]', SSH_USER);
  await page.fill('[data-testid="t-password"]', SSH_PASSWORD);
  await page.fill('[data-testid="t-netns"]', SSH_NETNS);
  await page.click('[data-testid="t-connect"]');
  const first = await waitFor(
    'the host-key prompt',
    (sel) => {
      const tab = document.querySelector(sel);
      const err = document.querySelector('[data-testid="terminal-error"], [data-testid="hostkey-changed"]');
      if (err) return { error: err.textContent.replace(/\s+/g, ' ').trim() };
      const fp = document.querySelector('[data-testid="hostkey-prompt"] [data-testid="hostkey-fingerprint"]');
      if (fp) return { fingerprint: fp.textContent.trim(), text: document.querySelector('[data-testid="hostkey-prompt"]').textContent.replace(/\s+/g, ' ') };
      return tab?.getAttribute('data-phase') === 'ready' ? { ready: true } : null;
    },
    TERM,
    20_000,
  );
  if (first.error) fail(`the terminal did not connect: ${first.error}`);
  if (first.ready) fail(`the session was ready without a host-key prompt: the key of ${SSH_HOST} was already trusted (the server's known_hosts should start empty)`);
  if (!/^SHA256:[A-Za-z0-9+/]{43}$/.test(first.fingerprint)) fail(`the prompt shows "${first.fingerprint}", not a SHA256 fingerprint`);
  if (!first.text.includes(SSH_HOST) || !/can't be established/.test(first.text)) fail(`the prompt reads: ${first.text}`);
  log(`host-key prompt for ${SSH_HOST}: ${first.fingerprint}`);
  await shot('ssh-hostkey.png');
  await page.click('[data-testid="hostkey-accept"]');
  await page.waitForSelector(`${TERM}[data-phase="ready"]`, { timeout: 20_000 });
  await waitScreen(TERM, 'a shell prompt', (lines) => lines.some((l) => /[$#]$/.test(l)));
  await assertNoSecret(SSH_PASSWORD, 'the terminal view');
  log('session ready, shell prompt shown');

  // echo hello: "hello" on its own output line
  await page.click('[data-testid="terminal-screen"]');
  await typeLine('echo hello');
  await waitScreen(TERM, '"hello" on its own line', (lines) => lines.some((l) => l.trim() === 'hello'));
  log('echo hello answered hello');

  // stty size, then a smaller window, then stty size again: the remote tty follows the window
  const [rows1, cols1] = await sttySize();
  const shown1 = await page.$$eval(`${TERM} .xterm-rows > div`, (d) => d.length);
  if (rows1 !== shown1) fail(`stty size says ${rows1} rows, the terminal shows ${shown1}`);
  await page.setViewportSize({ width: 960, height: 600 });
  await waitFor(
    'the terminal to fit the smaller window',
    ([sel, n]) => document.querySelectorAll(`${sel} .xterm-rows > div`).length !== n,
    [TERM, shown1],
    10_000,
  );
  await page.waitForTimeout(300);
  const [rows2, cols2] = await sttySize();
  const shown2 = await page.$$eval(`${TERM} .xterm-rows > div`, (d) => d.length);
  if (rows2 === rows1 || cols2 === cols1) fail(`stty size gave ${rows1} ${cols1} before and ${rows2} ${cols2} after the window shrank`);
  if (rows2 !== shown2) fail(`after the resize stty size says ${rows2} rows, the terminal shows ${shown2}`);
  log(`stty size: ${rows1}x${cols1} at ${viewport.width}x${viewport.height}, ${rows2}x${cols2} at 960x600`);
  await shot('ssh-terminal.png');
  await page.setViewportSize(viewport);

  // exit: the session closes, the tab stays (read-only) with Reconnect
  await typeLine('exit');
  await page.waitForSelector(`${TERM}[data-phase="closed"]`, { timeout: 15_000 });
  await waitScreen(TERM, 'the closed message', (lines) => lines.some((l) => l.includes('[session closed: exit]')));
  if (!(await page.locator('[data-testid="terminal-reconnect"]').count())) fail('the closed session offers no Reconnect');
  const recording = Number(await page.getAttribute(TERM, 'data-recording'));
  log(`session closed (exit); recording #${recording}`);

  // the recording, newest first, played at once
  await page.goto(url('#/recordings'));
  await page.waitForSelector('[data-testid="recording-row"]');
  const newest = Number(await page.getAttribute('[data-testid="recording-row"] >> nth=0', 'data-id'));
  if (recording && newest !== recording) fail(`the newest recording is #${newest}, the session's was #${recording}`);
  await page.click('[data-testid="recording-row"] >> nth=0 >> [data-testid="recording-play"]');
  await page.waitForSelector('[data-testid="player"][data-state="paused"]', { timeout: 15_000 });
  await page.selectOption('[data-testid="player-speed"]', 'instant');
  await page.click('[data-testid="player-play"]');
  await page.waitForSelector('[data-testid="player"][data-state="ended"]', { timeout: 10_000 });
  await waitScreen('[data-testid="player-screen"]', '"hello" in the replay', (lines) => lines.some((l) => l.trim() === 'hello'), 5_000);
  log(`recording #${newest} replayed: hello`);
  await shot('ssh-recording.png');

  await kbdSession();

  // an ssh run from the form: three devices, exit 0, their outputs diffed
  const runId = await startRun(
    'ssh',
    SSH_RUN_TARGETS,
    { command: SSH_RUN_COMMAND, user: SSH_USER, password: SSH_PASSWORD, accept_new_host_keys: true },
    { netns: SSH_NETNS },
  );
  await waitFinished(`ssh run #${runId}`, SSH_RUN_ADDRS.length);
  const rows = await page.$$eval('[data-testid="result-row"]', (rs) =>
    rs.map((r) => [...r.querySelectorAll('[role="gridcell"]')].map((c) => c.textContent.trim())),
  );
  if (rows.length !== SSH_RUN_ADDRS.length) fail(`the ssh run shows ${rows.length} rows, expected ${SSH_RUN_ADDRS.length}`);
  for (const r of rows) {
    if (r[2] !== '0') fail(`${r[0]} exited "${r[2]}" (${r[4]}), expected 0`);
    if (!r[4].includes(` ${r[0]} 22`)) fail(`${r[0]}: SSH_CONNECTION reads "${r[4]}", expected the device's own address and port`);
  }
  await assertNoSecret(SSH_PASSWORD, 'the ssh run page');
  log(`ssh run #${runId}: ${rows.map((r) => `${r[0]} exit ${r[2]}`).join(', ')}`);
  await shot('ssh-run.png');

  await page.click('[data-testid="tab-diff"]');
  const diff = await waitFor(
    'the diff across devices',
    () => {
      const d = document.querySelector('[data-testid="ssh-diff"]');
      if (!d || !d.getAttribute('data-base')) return null;
      return {
        hash: location.hash,
        base: d.getAttribute('data-base'),
        groups: Number(d.getAttribute('data-groups')),
        same: Number(document.querySelector('[data-testid="diff-same"]')?.getAttribute('data-count')),
        removed: [...document.querySelectorAll('[data-testid="unified-diff"] .line.del')].map((l) => l.textContent),
        added: [...document.querySelectorAll('[data-testid="unified-diff"] .line.add')].map((l) => l.textContent),
      };
    },
    undefined,
    10_000,
  );
  if (diff.hash !== `#/runs/${runId}/diff`) fail(`the Diff tab opened ${diff.hash}`);
  if (diff.groups !== SSH_RUN_ADDRS.length - 1 || diff.same !== 0)
    fail(`the diff shows ${diff.groups} other outputs and ${diff.same} devices like the base, expected ${SSH_RUN_ADDRS.length - 1} and 0`);
  const others = SSH_RUN_ADDRS.filter((a) => a !== diff.base);
  if (!diff.removed.some((l) => l.includes(` ${diff.base} 22`)) || !others.every((a) => diff.added.some((l) => l.includes(` ${a} 22`))))
    fail(`the diff against ${diff.base} does not show the addresses changing: -${diff.removed.join(' | ')} +${diff.added.join(' | ')}`);
  log(`diff across devices: base ${diff.base}, ${diff.groups} other outputs`);
  await shot('ssh-diff.png');
}

/**
 * An SSH run from the form with a configuration task (interactive shell on the lab's emulated
 * network CLIs, enable secret): `config` is ['backup'] or ['push', lines]. Returns its id.
 */
async function configRun(targets, config) {
  await page.goto(url('#/new'));
  await page.click('[data-testid="kind-ssh"]');
  await page.fill('[data-testid="targets"]', targets);
  await page.check('[data-field="options.shell"] input[type="checkbox"]');
  await page.selectOption('[data-testid="config-action"]', config[0]);
  if (config[0] === 'push') await page.fill('[data-testid="config-lines"]', config[1]);
  await page.fill('[data-field="options.user"] input', NETCLI_USER);
  await page.fill('[data-field="options.password"] input', NETCLI_PASSWORD);
  await page.fill('[data-field="options.enable_secret"] input', NETCLI_ENABLE);
  await page.fill('[data-field="options.port"] input', NETCLI_PORT);
  await page.check('[data-field="options.accept_new_host_keys"] input[type="checkbox"]');
  if (!(await page.locator('[data-field="net.netns"] input').count())) await page.click('button[aria-expanded="false"]:has-text("network")');
  await page.fill('[data-field="net.netns"] input', SSH_NETNS);
  if (config[0] === 'push') await shot('ssh-config-form.png');
  await page.click('[data-testid="submit"]');
  const state = await waitFor(
    'the configuration run page (or a form error)',
    () => {
      const err = document.querySelector('[data-testid="form-error"], [data-testid="field-error"], [data-testid="auth-error"]');
      if (err) return { formError: err.textContent.trim() };
      const run = document.querySelector('[data-testid="run"]');
      return run && /^#\/runs\/\d+$/.test(location.hash) ? { id: Number(run.getAttribute('data-run-id')) } : null;
    },
    undefined,
    15_000,
  );
  if (state.formError) fail(`the configuration run was refused: ${state.formError}`);
  await waitFinished(`ssh ${config[0]} run #${state.id}`, targets.split(',').length);
  return state.id;
}

/** The results of run `id` as the API gives them, by target. */
async function resultsOf(id) {
  const r = await pageApi('GET', `api/runs/${id}`);
  if (r.status !== 200) fail(`GET api/runs/${id} answered ${r.status}`);
  return Object.fromEntries(r.body.results.map((x) => [x.target, x]));
}

/**
 * Configuration backups and a push from the form: two devices backed up (first versions), a
 * push to one shown with its applied line and diff, the next backup a new version, and the
 * Configs page listing both devices with that version's diff.
 */
async function configsStep() {
  if (!NETCLI_PASSWORD || !NETCLI_ENABLE)
    fail('E2E_NETCLI_PASSWORD and E2E_NETCLI_ENABLE are not set (LAB_NETCLI_PASSWORD and LAB_NETCLI_ENABLE in lab/lab.env)');
  const first = await resultsOf(await configRun(`${NETCLI_IOS},${NETCLI_JUNOS}`, ['backup']));
  for (const [t, platform] of [
    [NETCLI_IOS, 'cisco_ios'],
    [NETCLI_JUNOS, 'juniper_junos'],
  ]) {
    const r = first[t];
    if (!r || r.error || r.platform !== platform || r.config?.action !== 'backup' || r.config.version == null)
      fail(`the backup of ${t}: ${JSON.stringify(r)?.slice(0, 400)}`);
  }
  // the push: its line applied, the diff in the result's detail
  const server = `ntp server 198.51.100.${(Date.now() % 200) + 20}`;
  const pushId = await configRun(NETCLI_IOS, ['push', `${server}\n`]);
  await page.click('[data-testid="result-row"]');
  const pushed = await waitFor(
    "the push's detail",
    () => {
      const c = document.querySelector('[data-testid="detail"] [data-testid="ssh-config"]');
      if (!c) return null;
      return {
        state: c.querySelector('[data-testid="config-state"]')?.textContent.replace(/\s+/g, ' ').trim(),
        added: [...c.querySelectorAll('[data-testid="unified-diff"] .line.add')].map((l) => l.textContent),
      };
    },
    undefined,
    10_000,
  );
  if (pushed.state !== '1 line' || !pushed.added.some((l) => l.includes(server)))
    fail(`push run #${pushId} shows "${pushed.state}", added ${JSON.stringify(pushed.added)}`);
  await shot('ssh-config-push.png');
  // the next backup is a new version, its diff the pushed line
  const again = (await resultsOf(await configRun(NETCLI_IOS, ['backup'])))[NETCLI_IOS];
  const v = again?.config?.version;
  if (again?.config?.changed !== true || !(v > first[NETCLI_IOS].config.version) || !again.config.diff?.includes(`+${server}`))
    fail(`the backup after the push: ${JSON.stringify(again?.config)?.slice(0, 400)}`);
  await page.goto(url(`#/configs?target=${NETCLI_IOS}`));
  const shown = await waitFor(
    "the device's versions and the newest's diff",
    () => {
      const devices = [...document.querySelectorAll('[data-testid="config-device"]')].map((d) => d.getAttribute('data-target'));
      const versions = [...document.querySelectorAll('[data-testid="config-version"]')].map((r) => Number(r.getAttribute('data-id')));
      const added = [...document.querySelectorAll('[data-testid="config-diff"] .line.add')].map((l) => l.textContent);
      return versions.length && added.length ? { devices, versions, added } : null;
    },
    undefined,
    10_000,
  );
  if (![NETCLI_IOS, NETCLI_JUNOS].every((t) => shown.devices.includes(t)) || shown.versions[0] !== v || !shown.added.some((l) => l.includes(server)))
    fail(`the Configs page shows ${JSON.stringify(shown)}`);
  log(`configs: backups of ${NETCLI_IOS} and ${NETCLI_JUNOS}, push #${pushId} (${server}), version ${v} with its diff`);
  await shot('configs.png');
}

/** The suite page's state: the suite, its next due times, its fires (outcome, due time, run links). */
function suiteState() {
  const suite = document.querySelector('[data-testid="suite"]');
  return {
    hash: location.hash,
    id: suite ? Number(suite.getAttribute('data-suite-id')) : null,
    enabled: suite?.getAttribute('data-enabled') ?? null,
    next: Number(document.querySelector('[data-testid="suite-next-times"]')?.getAttribute('data-count') ?? -1),
    fires: [...document.querySelectorAll('[data-testid="fire-row"]')].map((r) => ({
      outcome: r.getAttribute('data-outcome'),
      due: r.getAttribute('data-due'),
      runs: [...r.querySelectorAll('[data-testid="fire-run"]')].map((a) => a.getAttribute('href')),
    })),
    error: document.querySelector('[data-testid="load-error"], [data-testid="action-error"]')?.textContent?.trim() ?? null,
  };
}

/** Saves the suite editor's form; returns the new suite's id once its page shows (fails on an error in the editor). */
async function saveSuite(name) {
  await page.click('[data-testid="suite-save"]');
  const saved = await waitFor(
    `suite ${name}'s page (or an error in the editor)`,
    () => {
      const err = document.querySelector('[data-testid="suite-editor"] [data-testid="form-error"], [data-testid="suite-editor"] [data-testid="field-error"]');
      if (err) return { error: `${err.getAttribute('data-for') ?? ''} ${err.textContent.trim()}` };
      const s = document.querySelector('[data-testid="suite"]');
      return s && /^#\/suites\/\d+$/.test(location.hash) ? { id: Number(s.getAttribute('data-suite-id')) } : null;
    },
    undefined,
    10_000,
  );
  if (saved.error) fail(`saving suite ${name} was refused: ${saved.error}`);
  return saved.id;
}

/** Polls the suite page's state until pred(state) holds; fails on an error shown. */
async function waitSuite(what, pred, timeout = 10_000) {
  const until = Date.now() + timeout;
  for (;;) {
    const s = await page.evaluate(suiteState);
    if (s.error) fail(`${what}: the page shows an error: ${s.error}`);
    if (pred(s)) return s;
    if (Date.now() > until) fail(`timed out after ${timeout / 1000} s waiting for ${what} (state: ${JSON.stringify({ ...s, fires: s.fires.slice(0, 4) })})`);
    await page.waitForTimeout(100);
  }
}

/**
 * Suites: one made in the editor (a bad cron shows the server's error under the field as it is
 * typed, a good one its next due times), a ping of four lab hosts every 2 seconds; on its page a
 * scheduled fire that started a run, Run now as a fire "on demand" whose run History knows as the
 * suite's, Disable (no due times, no more scheduled fires); the list with its last fire.
 */
async function suitesStep() {
  // a suite left by an earlier run against the same server
  const old = await pageApi('GET', 'api/suites');
  for (const s of old.body?.suites ?? []) if (s.name === SUITE_NAME) await pageApi('DELETE', `api/suites/${s.id}`);

  await page.goto(url('#/suites'));
  await page.waitForSelector('[data-testid="suites"]');
  await page.click('[data-testid="suite-new"]');
  await page.waitForSelector('[data-testid="suite-editor"][data-mode="create"]');

  await page.fill('[data-testid="suite-cron"]', SUITE_BAD_CRON);
  const cronError = page.locator('[data-testid="field-error"][data-for="schedule.cron"]');
  await cronError.waitFor({ timeout: 5_000 });
  log(`cron "${SUITE_BAD_CRON}": ${(await cronError.innerText()).trim()}`);

  await page.fill('[data-testid="suite-name"]', SUITE_NAME);
  await page.fill('[data-testid="suite-description"]', 'four lab hosts, every 2 seconds');
  await page.fill('[data-testid="suite-cron"]', SUITE_CRON);
  await page.waitForSelector('[data-testid="schedule-preview"][data-state="ok"] [data-testid="schedule-next"][data-count="5"]', { timeout: 5_000 });
  if (await cronError.count()) fail(`the cron error stays after a good pattern: ${await cronError.innerText()}`);
  const words = (await page.locator('[data-testid="schedule-text"]').innerText()).trim();
  log(`cron "${SUITE_CRON}" reads "${words}"`);

  const run = '[data-testid="suite-run"][data-index="0"]';
  if ((await page.locator(`${run} [data-testid="run-kind"]`).inputValue()) !== 'ping') fail('a new suite\'s first run is not a ping');
  await page.fill(`${run} [data-testid="run-targets"]`, SUITE_TARGETS);
  await page.fill('[data-field="runs[0].options.timeout"] input', '500ms');
  await shot('suite-editor.png');
  const suiteId = await saveSuite(SUITE_NAME);
  log(`suite #${suiteId} ${SUITE_NAME} saved`);

  const scheduled = await waitSuite('a scheduled fire that started a run', (s) =>
    s.fires.some((f) => f.outcome === 'started' && f.due !== 'on demand' && f.runs.length),
  );
  if (scheduled.enabled !== 'true' || scheduled.next !== 5) fail(`the new suite should be enabled with 5 due times: ${JSON.stringify(scheduled)}`);
  const firstRun = scheduled.fires.find((f) => f.outcome === 'started' && f.due !== 'on demand').runs[0];
  log(`scheduled fire: ${scheduled.fires.length} fire(s) so far, started ${firstRun}`);

  await page.click('[data-testid="suite-run-now"]');
  const onDemand = await waitSuite('a fire on demand', (s) => s.fires.some((f) => f.due === 'on demand' && f.outcome === 'started' && f.runs.length));
  const demandRun = Number(onDemand.fires.find((f) => f.due === 'on demand').runs[0].replace(/^#\/runs\//, ''));
  const info = await pageApi('GET', `api/runs/${demandRun}`);
  if (info.status !== 200 || info.body.source !== 'suite' || info.body.suite_id !== suiteId)
    fail(`run #${demandRun} of the fire on demand is not the suite's: ${JSON.stringify({ status: info.status, source: info.body?.source, suite_id: info.body?.suite_id })}`);
  log(`Run now: a fire on demand started run #${demandRun} (source suite)`);

  await page.click('[data-testid="suite-toggle"]');
  await waitSuite('the suite disabled, with no due times', (s) => s.enabled === 'false' && s.next === 0);
  // a fire under way as it was disabled may still be recorded: count from a moment later
  await page.waitForTimeout(1000);
  const scheduledFires = (s) => s.fires.filter((f) => f.due !== 'on demand').length;
  const before = scheduledFires(await page.evaluate(suiteState));
  await page.waitForTimeout(2500);
  const after = scheduledFires(await page.evaluate(suiteState));
  if (after !== before) fail(`the disabled suite was still fired by its schedule (${before} -> ${after} scheduled fires)`);
  await shot('suite.png');

  await page.goto(url('#/suites'));
  const row = page.locator(`[data-testid="suite-row"][data-name="${SUITE_NAME}"]`);
  await row.waitFor();
  if ((await row.getAttribute('data-enabled')) !== 'false') fail(`the list shows ${SUITE_NAME} enabled`);
  const last = await row.locator('[data-testid="suite-last"]').innerText();
  if (!/started/.test(last) || !(await row.locator('[data-testid="fire-run"]').count())) fail(`the list's last fire reads "${last}"`);
  log(`suites list: ${SUITE_NAME} disabled, last fire "${last.replace(/\s+/g, ' ').trim()}"`);
  await shot('suites.png');
}

/**
 * Watch: a suite made in the editor with a "down" rule, pinging the lab's slow host and a dead
 * address every second; the alert arrives live (the nav's unread count rises on another page),
 * the Alerts page lists it with its evidence, and the slow host's trend chart draws its samples.
 */
async function watchStep() {
  const old = await pageApi('GET', 'api/suites');
  for (const s of old.body?.suites ?? []) if (s.name === WATCH_NAME) await pageApi('DELETE', `api/suites/${s.id}`);
  const newest = await pageApi('GET', 'api/alerts?limit=1');
  const upTo = newest.body?.events?.[0]?.id ?? 0;
  if (upTo) await pageApi('POST', 'api/alerts/read', { up_to: upTo });

  await page.goto(url('#/suites/new'));
  await page.waitForSelector('[data-testid="suite-editor"][data-mode="create"]');
  await page.fill('[data-testid="suite-name"]', WATCH_NAME);
  await page.fill('[data-testid="suite-cron"]', '* * * * * *');
  await page.waitForSelector('[data-testid="schedule-preview"][data-state="ok"]', { timeout: 5_000 });
  await page.fill('[data-testid="suite-run"][data-index="0"] [data-testid="run-targets"]', WATCH_TARGETS);
  await page.fill('[data-field="runs[0].options.timeout"] input', '500ms');
  await page.click('[data-testid="alert-add"]');
  await page.selectOption('[data-testid="alert-rule"][data-index="0"] [data-testid="alert-preset"]', 'down');
  await shot('suite-alert-editor.png');
  const suiteId = await saveSuite(WATCH_NAME);
  const stored = await pageApi('GET', `api/suites/${suiteId}`);
  if (stored.body?.suite?.alerts?.[0]?.preset !== 'down') fail(`the saved suite has no down rule: ${JSON.stringify(stored.body?.suite)}`);

  // the alert arrives while another page is open: the nav's unread count rises, live
  await page.goto(url('#/history'));
  const badge = await waitFor(
    'the unread count to rise',
    () => Number(document.querySelector('[data-testid="alerts-unread"]')?.getAttribute('data-count') ?? 0) || null,
    undefined,
    20_000,
  );
  log(`unread alerts: ${badge}`);
  await page.click('[data-testid="nav-alerts"]');
  const row = page.locator(`[data-testid="alert-event"][data-preset="down"]`).first();
  await row.waitFor({ timeout: 10_000 });
  const text = (await row.innerText()).replace(/\s+/g, ' ');
  if (!text.includes(WATCH_DEAD) || !text.includes(WATCH_NAME)) fail(`the alert row reads "${text}"`);
  await row.click();
  await page.waitForSelector('[data-testid="alert-evidence"]', { timeout: 5_000 });
  log(`alert: ${text.trim().slice(0, 160)}`);
  await shot('alerts.png');
  const alertId = await row.getAttribute('data-id');
  const alertPdf = await pdfText(`[data-testid="alert-event"][data-id="${alertId}"] [data-testid="alert-pdf"]`, `wirescope-alert-${alertId}.pdf`);
  for (const w of [WATCH_DEAD, 'Timeline of', 'What the rule saw'])
    if (!alertPdf.includes(w)) fail(`the alert's PDF has no "${w}":\n${alertPdf.slice(0, 2000)}`);
  log(`the alert's PDF button downloads its report`);

  // what the server collected when it fired: the badge turns ready live and downloads the bundle
  const diag = page.locator(`[data-testid="alert-event"][data-id="${alertId}"] [data-testid="alert-diagnostics"][data-status="ready"]`);
  await diag.waitFor({ timeout: 120_000 });
  const zipName = `wirescope-diagnostics-alert-${alertId}.zip`;
  const [zipDownload] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), diag.click()]);
  if (zipDownload.suggestedFilename() !== zipName) fail(`the diagnostics download as ${zipDownload.suggestedFilename()}, expected ${zipName}`);
  const zipFile = path.join(userDataDir, zipName);
  await zipDownload.saveAs(zipFile);
  const listed = execFileSync('python3', ['-m', 'zipfile', '-l', zipFile], { timeout: 30_000 }).toString();
  for (const f of ['report.pdf', 'manifest.json', 'SHA256SUMS', '-trace.ndjson', '-dns.ndjson'])
    if (!listed.includes(f)) fail(`the diagnostics bundle has no ${f}:\n${listed}`);
  log(`the alert's diagnostics badge reads "${(await diag.innerText()).trim()}" and downloads its bundle`);

  // the slow host's trend: its series page draws the samples
  await page.goto(url(`#/suites/${suiteId}`));
  const link = page.locator(`[data-testid="series-row"][data-kind="ping"]`, { hasText: WATCH_SLOW }).locator('[data-testid="series-link"]');
  await link.waitFor({ timeout: 15_000 });
  for (let until = Date.now() + 15_000; ; await page.waitForTimeout(200)) {
    const series = await pageApi('GET', `api/suites/${suiteId}/series`);
    const slow = series.body?.series?.find((x) => x.kind === 'ping' && x.target === WATCH_SLOW);
    if (slow && slow.samples >= 3) break;
    if (Date.now() > until) fail(`the slow host has no three samples: ${JSON.stringify(series.body)}`);
  }
  const started = Date.now();
  await link.click();
  const drawn = await waitFor(
    'the trend chart with samples',
    () => {
      const c = document.querySelector('[data-testid="trend-chart"]');
      const n = Number(c?.getAttribute('data-buckets') ?? 0);
      return n >= 2 && document.querySelector('[data-testid="trend-median"]') ? n : null;
    },
    undefined,
    10_000,
  );
  log(`trend page: ${drawn} samples drawn ${Date.now() - started} ms after the click (debug build)`);
  await shot('trend.png');
  const trendPdf = await pdfText('[data-testid="series-pdf"]', `wirescope-trend-${suiteId}-${await page.getAttribute('[data-testid="series-page"]', 'data-series-id')}.pdf`);
  for (const w of [WATCH_SLOW, 'Latency trend', 'Buckets'])
    if (!trendPdf.includes(w)) fail(`the trend's PDF has no "${w}":\n${trendPdf.slice(0, 2000)}`);
  log(`the trend's PDF button downloads its report`);
  await pageApi('POST', `api/suites/${suiteId}/disable`);
}

/** Runs a command of the lab (`ip netns exec …`); answers why it failed, or null. */
function labCommand(args) {
  try {
    execFileSync(args[0], args.slice(1), { timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
    return null;
  } catch (e) {
    return `${args.map((a) => (a === '' ? "''" : a)).join(' ')} failed: ${String(e.stderr || e.message).trim()}`;
  }
}

/** Polls a run through the API until it ends (at most 30 s); answers it with its results. */
async function waitRunApi(id, what) {
  const until = Date.now() + 30_000;
  for (;;) {
    const r = await pageApi('GET', `api/runs/${id}`);
    if (r.status !== 200) fail(`${what}: GET /api/runs/${id} answered ${r.status}: ${JSON.stringify(r.body)}`);
    if (TERMINAL.has(r.body.status)) return r.body;
    if (Date.now() > until) fail(`${what} did not end in 30 s (status ${r.body.status})`);
    await page.waitForTimeout(200);
  }
}

/**
 * Waits for a trap row from `source` named IF-MIB::linkDown, newer than trap `after`, on the Traps
 * page; answers its id, bindings and device.
 */
async function waitTrapRow(what, source, after) {
  const shown = () =>
    [...document.querySelectorAll('[data-testid="trap-row"]')]
      .slice(0, 8)
      .map((r) => `#${r.getAttribute('data-trap-id')} ${r.getAttribute('data-source')} ${r.querySelector('[data-testid="trap-name"]')?.textContent?.trim()}`);
  const row = await waitFor(
    what,
    ([src, name, newer]) => {
      const err = document.querySelector('[data-testid="traps"] [data-testid="load-error"]');
      if (err) return { error: err.textContent.trim() };
      const r = [...document.querySelectorAll('[data-testid="trap-row"]')].find(
        (x) =>
          x.getAttribute('data-source') === src &&
          Number(x.getAttribute('data-trap-id')) > newer &&
          x.querySelector('[data-testid="trap-name"]')?.textContent?.trim() === name,
      );
      if (!r) return null;
      return {
        id: Number(r.getAttribute('data-trap-id')),
        summary: r.querySelector('[data-testid="trap-summary"]')?.textContent?.trim() ?? '',
        device: r.querySelector('[data-testid="trap-device-link"], [data-testid="trap-device"]')?.textContent?.trim() ?? null,
      };
    },
    [source, TRAP_LINK_DOWN, after],
    30_000,
    100,
  ).catch(async (e) => {
    if (e instanceof Failure) fail(`${e.message}; the newest rows: ${(await page.evaluate(shown)).join(', ') || 'none'}`);
    throw e;
  });
  if (row.error) fail(`${what}: the Traps page shows an error: ${row.error}`);
  return row;
}

/**
 * Traps: the receiver turned on from the Traps page (198.18.0.10:10162, any community); a
 * linkDown sent with net-snmp's snmptrap from the lab host shows as a row live (no reload, no
 * new listing); s1's swp2 taken down for real (always up again) sends a linkDown from
 * 198.18.0.161 matched to s1, whose page shows ifOperStatus down(2) and s1's run; the trap on s1
 * in the map's device panel (a topology run of an earlier step) or as the row badge and detail
 * section of an SNMP get of s1 made here; a trap rule (IF-MIB::link* from s1*) made in the editor,
 * listed after a reload; the receiver off again. `known.topology`: a topology run that polled s1.
 */
async function trapsStep(known = {}) {
  // The server matches traps to devices with an index of its SNMP runs, built at the first trap
  // and kept a minute: s1 is polled before the receiver takes any trap.
  let deviceRun = known.topology ?? null;
  const topology = deviceRun !== null;
  if (topology) log(`s1 known from topology run #${deviceRun}`);
  else {
    const r = await pageApi('POST', 'api/runs', {
      kind: 'snmp',
      targets: [SNMP_SEED],
      options: { op: 'get', oids: ['sysName.0'], community: SNMP_COMMUNITY },
    });
    if (r.status !== 201) fail(`POST /api/runs (snmp get of ${SNMP_SEED}) answered ${r.status}: ${JSON.stringify(r.body)}`);
    deviceRun = r.body.id;
    const run = await waitRunApi(deviceRun, `snmp get #${deviceRun}`);
    const result = run.results?.[0];
    const sysName = result?.varbinds?.find((v) => v.oid.replace(/^\./, '') === '1.3.6.1.2.1.1.5.0');
    if (run.status !== 'finished' || !sysName) fail(`snmp get #${deviceRun} of ${SNMP_SEED} ended ${run.status} without sysName.0: ${JSON.stringify(result ?? run.error)}`);
    log(`snmp get #${deviceRun}: ${SNMP_SEED} is ${sysName.value}`);
  }

  // the receiver on, from its settings form: no profile picked (any community)
  await page.goto(url('#/traps'));
  await page.waitForSelector('[data-testid="trap-receiver"] [data-testid="trap-settings"]');
  if ((await page.getAttribute('[data-testid="trap-receiver"]', 'data-from-flags')) === 'true')
    fail("the trap receiver is set by the server's --traps flags: this step sets it from the page");
  const picked = page.locator('[data-testid="trap-settings"] [data-testid="profile-picker"] button[aria-pressed="true"]');
  while ((await picked.count()) > 0) await picked.first().click();
  await page.fill('[data-testid="trap-listen"]', TRAP_LISTEN);
  await page.fill('[data-testid="trap-netns"]', '');
  await page.click('[data-testid="trap-save"]');
  let receiverOn = true;
  try {
    const on = await waitFor(
      `the receiver listening on ${TRAP_LISTEN}`,
      (addr) => {
        const err = document.querySelector(
          '[data-testid="trap-settings"] [data-testid="field-error"], [data-testid="trap-settings"] [data-testid="form-error"], [data-testid="trap-receiver-error"]',
        );
        if (err) return { error: `${err.getAttribute('data-for') ?? ''} ${err.textContent.trim()}`.trim() };
        const badge = document.querySelector('[data-testid="trap-listening"]')?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
        return badge.includes(addr) ? { badge } : null;
      },
      TRAP_LISTEN,
      30_000,
    );
    if (on.error) fail(`turning the trap receiver on was refused: ${on.error}`);
    log(`trap receiver: ${on.badge}`);

    // a linkDown from the lab host arrives live: no reload, no new listing
    const newest = await pageApi('GET', 'api/traps?limit=1');
    const before = newest.body?.traps?.[0]?.id ?? 0;
    await page.waitForSelector('[data-testid="live-state"][data-state="open"]', { timeout: 15_000 });
    await page.evaluate(() => {
      window.e2eNotReloaded = true;
    });
    let listings = 0;
    const countListings = (req) => {
      if (new URL(req.url()).pathname.endsWith('/api/traps')) listings += 1;
    };
    page.on('request', countListings);
    const sent = labCommand([
      'ip', 'netns', 'exec', TRAP_HOST_NS, 'env', 'MIBS=', 'snmptrap', '-v2c', '-c', TRAP_COMMUNITY, TRAP_LISTEN, '',
      '1.3.6.1.6.3.1.1.5.3', '1.3.6.1.2.1.2.2.1.1.3', 'i', '3', '1.3.6.1.2.1.2.2.1.8.3', 'i', '2',
    ]);
    if (sent) fail(`sending a linkDown from the lab host: ${sent}`);
    const hostTrap = await waitTrapRow(`a live ${TRAP_LINK_DOWN} row from ${TRAP_HOST_ADDR}`, TRAP_HOST_ADDR, before);
    page.off('request', countListings);
    if (!(await page.evaluate(() => window.e2eNotReloaded === true))) fail('the Traps page was reloaded while the trap came');
    if (listings) fail(`the trap row came with ${listings} new listing(s) of the traps, not live over the WebSocket`);
    if (!hostTrap.summary.includes('ifOperStatus.3=')) fail(`the trap row's bindings read "${hostTrap.summary}"`);
    log(`trap #${hostTrap.id} from ${TRAP_HOST_ADDR} live: ${TRAP_LINK_DOWN} ${hostTrap.summary}`);
    await shot('traps-live.png');

    // s1's swp2 down for real: its snmpd sends linkDown (checked every second); always up again
    const linkUp = () => labCommand(['ip', 'netns', 'exec', TRAP_SWITCH_NS, 'ip', 'link', 'set', TRAP_SWITCH_LINK, 'up']);
    undoOnExit.add(linkUp);
    let s1Trap = null;
    let failure = null;
    try {
      const down = labCommand(['ip', 'netns', 'exec', TRAP_SWITCH_NS, 'ip', 'link', 'set', TRAP_SWITCH_LINK, 'down']);
      if (down) fail(`taking s1's ${TRAP_SWITCH_LINK} down: ${down}`);
      s1Trap = await waitTrapRow(`a live ${TRAP_LINK_DOWN} row from s1 (${SNMP_SEED}, ${TRAP_SWITCH_LINK} down)`, SNMP_SEED, hostTrap.id);
    } catch (e) {
      failure = e;
    }
    undoOnExit.delete(linkUp);
    const restored = linkUp();
    if (failure) {
      if (restored) console.error(`e2e: ${restored}`);
      throw failure;
    }
    if (restored) fail(`bringing s1's ${TRAP_SWITCH_LINK} up again: ${restored}`);
    log(`trap #${s1Trap.id} from s1 live: ${s1Trap.summary} (device ${s1Trap.device ?? 'none'}); ${TRAP_SWITCH_LINK} up again`);

    // its page: the bindings (ifOperStatus down(2)) and s1, a link to the run it was seen in
    await page.locator(`[data-testid="trap-row"][data-trap-id="${s1Trap.id}"] [role="gridcell"]`).first().click();
    const detail = await waitFor(
      `trap #${s1Trap.id}'s page`,
      (id) => {
        const d = document.querySelector(`[data-testid="trap-detail"][data-trap-id="${id}"]`);
        const err = d?.querySelector('[data-testid="load-error"]');
        if (err) return { error: err.textContent.trim() };
        const title = d?.querySelector('[data-testid="trap-title"]');
        if (!title) return null;
        const link = d.querySelector('[data-testid="trap-device-link"]');
        return {
          hash: location.hash,
          title: title.textContent.trim(),
          varbinds: [...d.querySelectorAll('[data-testid="trap-varbind"]')].map((r) => [...r.querySelectorAll('td')].map((c) => c.textContent.trim())),
          device: link ? { name: link.textContent.trim(), href: link.getAttribute('href') } : null,
        };
      },
      s1Trap.id,
      15_000,
    );
    if (detail.error) fail(`trap #${s1Trap.id}'s page: ${detail.error}`);
    if (detail.hash !== `#/traps/${s1Trap.id}` || detail.title !== TRAP_LINK_DOWN) fail(`the trap's page is ${detail.hash}, titled "${detail.title}"`);
    const oper = detail.varbinds.find(([name]) => name.includes('ifOperStatus'));
    if (!oper || oper[3] !== 'down(2)') fail(`the trap's bindings have no ifOperStatus down(2): ${JSON.stringify(detail.varbinds)}`);
    const seenIn = /^#\/runs\/(\d+)$/.exec(detail.device?.href ?? '');
    if (!detail.device || !/^s1(\.|$)/.test(detail.device.name) || !seenIn) fail(`the trap's device is ${JSON.stringify(detail.device)}, not s1 with a link to its run`);
    const seenRun = await pageApi('GET', `api/runs/${seenIn[1]}`);
    if (seenRun.body?.kind !== 'snmp' || !seenRun.body.targets_text.includes(SNMP_SEED))
      fail(`the trap's device links to run #${seenIn[1]}, not an SNMP run of ${SNMP_SEED}: ${seenRun.body?.kind} ${seenRun.body?.targets_text}`);
    log(`trap #${s1Trap.id}: ${oper[0]} = ${oper[3]}; device ${detail.device.name}, seen in run #${seenIn[1]}`);
    await shot('trap-detail.png');

    // the trap on s1: in the map's device panel, or on the get run's row and in its detail pane
    if (topology) {
      await page.goto(url(`#/runs/${deviceRun}/map`));
      await waitMap(MAP_DEVICES);
      await page.locator('[data-testid="map-device"]', { hasText: SNMP_SEED }).first().locator('button').click();
      const panel = await waitFor(
        "s1's recent traps in its panel",
        (id) => {
          const s = document.querySelector('[data-testid="map-node-detail"] [data-testid="device-traps"]');
          const links = [...(s?.querySelectorAll('[data-testid="trap-link"]') ?? [])];
          return links.some((l) => Number(l.getAttribute('data-trap-id')) === id) ? { count: Number(s.getAttribute('data-count')), text: s.innerText } : null;
        },
        s1Trap.id,
        15_000,
      );
      if (!panel.text.includes(TRAP_LINK_DOWN)) fail(`s1's panel lists its traps without ${TRAP_LINK_DOWN}: ${panel.text}`);
      log(`map of run #${deviceRun}: s1's panel lists ${panel.count} recent trap(s), #${s1Trap.id} among them`);
      await shot('trap-map.png');
    } else {
      await page.goto(url(`#/runs/${deviceRun}`));
      const badge = await waitFor(
        "the trap badge on s1's row",
        () => {
          const b = document.querySelector('[data-testid="result-row"] [data-testid="run-trap-badge"]');
          return b ? { count: Number(b.getAttribute('data-count')), text: b.textContent.trim() } : null;
        },
        undefined,
        15_000,
      );
      await page.locator('[data-testid="result-row"] [role="gridcell"]').first().click();
      const section = await waitFor(
        "the Traps section of s1's detail pane",
        (id) => {
          const s = document.querySelector('[data-testid="detail"] [data-testid="result-traps"], [data-testid="result-traps"]');
          const links = [...(s?.querySelectorAll('[data-testid="trap-link"]') ?? [])];
          return links.some((l) => Number(l.getAttribute('data-trap-id')) === id) ? { count: Number(s.getAttribute('data-count')), text: s.innerText } : null;
        },
        s1Trap.id,
        15_000,
      );
      if (!section.text.includes(TRAP_LINK_DOWN)) fail(`s1's detail pane lists its traps without ${TRAP_LINK_DOWN}: ${section.text}`);
      log(`run #${deviceRun}: s1's row badge "${badge.text}", its detail pane lists ${section.count} trap(s)`);
      await shot('trap-run.png');
    }

    // a trap rule made in the editor (no channels, no follow-up), listed after a reload
    const rules = await pageApi('GET', 'api/traps/rules');
    const others = (rules.body?.rules ?? []).filter((r) => r.name !== TRAP_RULE.name);
    if (others.length !== (rules.body?.rules ?? []).length) await pageApi('PUT', 'api/traps/rules', { rules: others });
    await page.goto(url('#/traps'));
    await page.waitForSelector('[data-testid="trap-rules"] [data-testid="trap-rule-add"]');
    const existing = await page.locator('[data-testid="trap-rule"]').count();
    await page.click('[data-testid="trap-rule-add"]');
    const rule = page.locator('[data-testid="trap-rule"]').nth(existing);
    await rule.locator('[data-testid="trap-rule-name"]').fill(TRAP_RULE.name);
    await rule.locator('[data-testid="trap-rule-oid"]').fill(TRAP_RULE.oid);
    await rule.locator('[data-testid="trap-rule-source"]').fill(TRAP_RULE.source);
    for (const box of await rule.locator('[data-testid="trap-rule-channel"]:checked').all()) await box.uncheck();
    await rule.locator('[data-testid="trap-rule-follow-up"]').uncheck();
    if (!(await rule.locator('[data-testid="trap-rule-enabled"]').isChecked())) fail('a new trap rule is not enabled');
    await shot('trap-rule-editor.png');
    await page.click('[data-testid="trap-rules-save"]');
    const saved = await waitFor(
      'the trap rules saved',
      () => {
        const s = document.querySelector('[data-testid="trap-rules"]');
        const err = s?.querySelector('[data-testid="field-error"], [data-testid="form-error"]');
        if (err) return { error: `${err.getAttribute('data-for') ?? ''} ${err.textContent.trim()}`.trim() };
        return s?.querySelector('[data-testid="trap-rules-saved"]')?.textContent?.trim() || null;
      },
      undefined,
      10_000,
    );
    if (saved.error) fail(`saving the trap rule was refused: ${saved.error}`);
    await page.reload();
    const listed = page.locator(`[data-testid="trap-rule"][data-rule="${TRAP_RULE.name}"]`);
    await listed.waitFor({ timeout: 10_000 });
    const summary = (await listed.locator('[data-testid="trap-rule-summary"]').innerText()).trim();
    if (!summary.includes(`${TRAP_RULE.oid} from ${TRAP_RULE.source}`)) fail(`the saved rule reads "${summary}"`);
    const stored = (await pageApi('GET', 'api/traps/rules')).body?.rules?.find((r) => r.name === TRAP_RULE.name);
    if (!stored || stored.oid !== TRAP_RULE.oid || stored.source !== TRAP_RULE.source || stored.channels?.length || stored.follow_up || stored.enabled === false)
      fail(`the stored rule is ${JSON.stringify(stored)}`);
    log(`trap rule ${TRAP_RULE.name} saved (${saved}), listed after a reload: ${summary}`);
    await shot('trap-rules.png');

    // the receiver off again, from its form
    await page.fill('[data-testid="trap-listen"]', '');
    await page.click('[data-testid="trap-save"]');
    await waitFor(
      'the receiver off',
      () =>
        document.querySelector('[data-testid="trap-receiver"]')?.getAttribute('data-listening') === '' &&
        document.querySelector('[data-testid="trap-listening"]')?.textContent?.trim() === 'off',
      undefined,
      15_000,
    );
    receiverOn = false;
    log('trap receiver off');
  } finally {
    if (receiverOn) await pageApi('PUT', 'api/traps/receiver', { listen: null }).catch((e) => console.error(`e2e: turning the receiver off: ${e.message}`));
  }
}

async function main() {
  mkdirSync(SHOTS, { recursive: true });
  log(`dashboard ${BASE}, browser ${BROWSER}, screenshots in ${SHOTS}`);
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: BROWSER,
    headless: true,
    args: CHROMIUM_ARGS,
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
    // The server's Content-Security-Policy must not block anything the dashboard does.
    if (/Content Security Policy/i.test(m.text())) pageErrors.push(`CSP: ${m.text()}`);
  });

  // 0. the page loads
  const res = await page.goto(url('#/new')).catch((e) => fail(`cannot open ${BASE}: ${e.message}`));
  if (!res || !res.ok()) fail(`GET ${BASE}/ answered ${res ? res.status() : 'nothing'}`);
  await page.waitForSelector('[data-testid="new-run"]');

  if (ONLY) {
    await { traffic: trafficStep, ssh: sshStep, configs: configsStep, suites: suitesStep, watch: watchStep, traps: trapsStep, agents: agentsStep, host: hostStep }[ONLY]();
    if (pageErrors.length) fail(`the page threw ${pageErrors.length} error(s): ${pageErrors.join(' | ')}`);
    return;
  }

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
  const runPdf = await pdfText('[data-testid="export-pdf"]', `wirescope-run-${pingId}.pdf`);
  if (!runPdf.includes(`Run ${pingId}`) || !runPdf.includes('the dashboard'))
    fail(`the run's PDF does not name run ${pingId} and who asked:\n${runPdf.slice(0, 2000)}`);
  log(`the PDF button downloads run #${pingId}'s report (${runPdf.length} characters of text)`);
  {
    const name = `wirescope-evidence-run-${pingId}.zip`;
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.click('[data-testid="export-bundle"]')]);
    if (download.suggestedFilename() !== name) fail(`the bundle downloads as ${download.suggestedFilename()}, expected ${name}`);
    const file = path.join(userDataDir, name);
    await download.saveAs(file);
    const listed = execFileSync('python3', ['-m', 'zipfile', '-l', file], { timeout: 10_000 }).toString();
    for (const f of ['report.pdf', 'manifest.json', 'SHA256SUMS', `run-${pingId}-ping.ndjson`])
      if (!listed.includes(f)) fail(`the evidence bundle has no ${f}:\n${listed}`);
    log(`the Evidence button downloads run #${pingId}'s bundle`);
  }
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
  const [a, b] = [Math.min(pingId, rerun.id), Math.max(pingId, rerun.id)];
  const cmpPdf = await pdfText('[data-testid="compare-pdf"]', `wirescope-compare-${a}-${b}.pdf`);
  if (!cmpPdf.includes(`Run ${a} compared with run ${b}`))
    fail(`the comparison's PDF does not say what it compares:\n${cmpPdf.slice(0, 2000)}`);
  log(`the comparison's PDF button downloads its report`);

  // 4. a credential profile: saved through the Credentials view, listed as set, never shown
  await page.goto(url('#/creds'));
  await page.waitForSelector('[data-testid="creds"]');
  const noStore = await waitFor(
    'the Credentials view',
    () => {
      const u = document.querySelector('[data-testid="creds-unavailable"]');
      if (u) return { error: u.textContent.replace(/\s+/g, ' ').trim() };
      return document.querySelector('[data-testid="creds-store"]') ? { ok: true } : null;
    },
    undefined,
    10_000,
  );
  if (noStore.error) fail(`the server has no credential store: ${noStore.error}`);
  await page.fill('[data-testid="cred-name"]', SNMP_PROFILE);
  await page.selectOption('[data-field="cred.version"] select', '2c');
  await page.fill('[data-field="cred.community"] input', SNMP_COMMUNITY);
  await page.click('[data-testid="cred-save"]');
  const saved = await waitFor(
    `profile ${SNMP_PROFILE} saved`,
    (name) => {
      const err = document.querySelector('[data-testid="cred-form"] [data-testid="form-error"], [data-testid="cred-form"] [data-testid="field-error"]');
      if (err) return { error: err.textContent.trim() };
      const secret = document.querySelector(
        `[data-testid="cred-row"][data-name="${name}"] [data-testid="cred-secret"][data-secret="community"]`,
      );
      return document.querySelector('[data-testid="cred-saved"]') && secret ? { state: secret.getAttribute('data-state') } : null;
    },
    SNMP_PROFILE,
    10_000,
  );
  if (saved.error) fail(`saving profile ${SNMP_PROFILE} was refused: ${saved.error}`);
  if (saved.state !== 'set') fail(`profile ${SNMP_PROFILE} lists its community as "${saved.state}", expected "set"`);
  await assertNoSecret(SNMP_COMMUNITY, 'after saving the profile');
  await shot('creds.png');
  await page.reload();
  await page.waitForSelector(`[data-testid="cred-row"][data-name="${SNMP_PROFILE}"]`);
  await assertNoSecret(SNMP_COMMUNITY, 'the Credentials view');
  log(`profile ${SNMP_PROFILE} saved: community set, never shown`);

  // 5. a topology crawl from s1 with that profile: 3 devices, their map, a dragged node that
  //    stays where it was put after a reload, a node's details
  const topoId = await startRun('snmp', SNMP_SEED, { op: 'topology', profiles: [SNMP_PROFILE], depth: 1 });
  await waitFinished(`topology run #${topoId}`, MAP_DEVICES, undefined, `${MAP_DEVICES} devices`);
  await page.click('[data-testid="tab-map"]');
  let map = await waitMap(MAP_DEVICES);
  if (map.hash !== `#/runs/${topoId}/map`) fail(`the Map tab opened ${map.hash}, expected #/runs/${topoId}/map`);
  if (map.nodes !== MAP_DEVICES || map.polled !== MAP_DEVICES || map.edges !== MAP_LINKS)
    fail(`the map shows ${map.nodes} devices (${map.polled} polled) and ${map.edges} links, expected ${MAP_DEVICES} polled and ${MAP_LINKS} links`);
  log(`map of run #${topoId}: ${map.nodes} devices, ${map.polled} polled, ${map.edges} links`);
  await shot('snmp-map.png');

  const dragged = map.devices[0].id;
  const from = onScreen(map, dragged);
  const start = map.devices[0];
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(from.x + DRAG.dx, from.y + DRAG.dy, { steps: 10 });
  await page.mouse.up();
  await waitFor('the layout to be saved', (n) => Number(document.querySelector('[data-testid="map-canvas"]')?.getAttribute('data-saves')) > n, map.saves, 10_000);
  map = await page.evaluate(mapState);
  const moved = map.devices.find((d) => d.id === dragged);
  const expected = { x: start.x + DRAG.dx / map.zoom, y: start.y + DRAG.dy / map.zoom };
  if (Math.abs(moved.x - expected.x) > 3 || Math.abs(moved.y - expected.y) > 3)
    fail(`dragging ${dragged} moved it to (${moved.x}, ${moved.y}), expected about (${expected.x.toFixed(1)}, ${expected.y.toFixed(1)})`);
  await page.reload();
  map = await waitMap(MAP_DEVICES);
  const restored = map.devices.find((d) => d.id === dragged);
  if (Math.abs(restored.x - moved.x) > 0.5 || Math.abs(restored.y - moved.y) > 0.5)
    fail(`after a reload ${dragged} is at (${restored.x}, ${restored.y}), not where it was left (${moved.x}, ${moved.y})`);
  log(`dragged ${dragged} to (${moved.x}, ${moved.y}); the saved layout put it back there after a reload`);

  const at = onScreen(map, dragged);
  await page.mouse.click(at.x, at.y);
  await page.waitForSelector(`[data-testid="map-node-detail"][data-id="${dragged}"]`);
  const detail = await page.locator('[data-testid="map-node-detail"]').innerText();
  if (!/198\.18\.0\.16[123]/.test(detail) || !detail.includes(SNMP_PROFILE) || !/polled/.test(detail))
    fail(`the details of ${dragged} lack its address, credential or state:\n${detail}`);
  const newRuns = await page.locator('[data-testid="map-new-run"]').count();
  if (!newRuns) fail(`the details of ${dragged} offer no new run at it`);
  log(`details of ${dragged}: ${detail.replace(/\s+/g, ' ').slice(2, 120)}…; ${newRuns} new-run links`);
  await shot('snmp-node.png');

  // 5b. the map's search: a crawl from the access segment's router, a host found on its switch
  //     port (VLAN, alias), the switch selected on the map, what to do there
  await locateStep();

  // 6. a walk of s1's system group: one agent, its variables in the detail pane
  const walkId = await startRun('snmp', SNMP_SEED, { op: 'walk', oids: 'system', profiles: [SNMP_PROFILE] });
  await waitFinished(`snmp walk #${walkId}`, 1);
  const read = await page.locator('[data-testid="result-row"] [role="gridcell"]').nth(3).innerText();
  if (!/^\d+ variables$/.test(read)) fail(`the walk's row reads "${read}", expected "N variables"`);
  await page.click('[data-testid="result-row"]');
  await page.waitForSelector('[data-testid="detail"] [data-testid="snmp-varbinds"]');
  const varbinds = await page.locator('[data-testid="varbind-row"]').allInnerTexts();
  const sysName = varbinds.find((t) => t.startsWith('sysName.0'));
  if (varbinds.length < 7 || !sysName || !sysName.includes('s1.lab.test'))
    fail(`the walk shows ${varbinds.length} variables, sysName.0 ${sysName ? `"${sysName}"` : 'missing'}; expected the system group of s1.lab.test`);
  log(`walk #${walkId}: ${read}, ${sysName.replace(/\s+/g, ' ')}`);
  await shot('snmp-walk.png');

  // 7. traffic analyzer: capture, packet list, filters, a frame's detail, upload
  await trafficStep();

  // 8. SSH: a terminal (host key, echo, resize, exit), its recording, a keyboard-interactive login, an ssh run and its diff
  await sshStep();
  await configsStep();

  // 9. suites: one made in the editor (a bad cron refused as typed), fired by its schedule and on
  // demand, disabled
  await suitesStep();

  // 9b. watch: a suite with a "down" rule made in the editor; its alert arrives live, the
  // Alerts page shows its evidence, the slow host's trend chart draws its samples
  await watchStep();

  // 9c. traps: the receiver on from the Traps page, a trap from the lab host live, s1's link down
  // for real (its linkDown matched to s1: its page, the map's device panel), a trap rule made in
  // the editor, the receiver off
  await trapsStep({ topology: topoId });

  // 9d. agents: one added on the Agents page (its token shown once), started for real, online;
  // a ping asked from this server and its site side by side; revoked
  await agentsStep();

  // 9e. host: the server's machine, its CPU, memory and interfaces charted from its samples
  await hostStep();

  // 10. theme: dark by the system preference, toggled to light, remembered after a reload
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

  // 11. users, last (from here on the server asks who is asking): the first admin made from the
  // setup link serve printed; sign out; a wrong password refused on the page; signed in again
  await signInStep(pingId);

  if (pageErrors.length) fail(`the page threw ${pageErrors.length} error(s): ${pageErrors.join(' | ')}`);
}

/** The Host page: this machine's samples, the interfaces and disks of the newest one. */
async function hostStep() {
  await page.click('[data-testid="nav-host"]');
  await page.waitForSelector('[data-testid="host-page"]');
  await page.waitForSelector('[data-testid="host-now"]', { timeout: 20_000 });
  const name = await page.locator('[data-testid="host-name"]').innerText();
  if (!name.includes('kernel')) fail(`the Host page names the machine as "${name}"`);
  const cpu = await page.locator('[data-testid="host-cpu"]').innerText();
  if (!/^\d+%$/.test(cpu)) fail(`the Host page's CPU reads "${cpu}"`);
  const memory = await page.locator('[data-testid="host-memory"]').innerText();
  if (!/\d/.test(memory)) fail(`the Host page's memory reads "${memory}"`);
  await page.waitForSelector('[data-testid="host-iface-lo"]');
  const disks = await page.locator('[data-testid="host-disks"] tbody tr').count();
  if (disks < 1) fail('the Host page lists no disk');
  const points = Number(await page.locator('[data-testid="host-chart-CPU"]').getAttribute('data-points'));
  if (!(points >= 1)) fail(`the CPU chart has ${points} points`);
  // Picking loopback charts its traffic: the chart is named after it.
  await page.click('[data-testid="host-iface-lo"]');
  await page.waitForSelector('[data-testid="host-chart-lo received"]');
  await shot('host.png');
  log(`host: ${name}; CPU ${cpu}, memory ${memory}, ${disks} disk(s), ${points} CPU sample(s)`);
  // The agent of the agents step sent samples of its machine: picked, its page shows them.
  if (!ONLY) {
    await page.selectOption('[data-testid="host-machine"]', AGENT_NAME);
    await page.waitForSelector(`[data-testid="host-name"][data-agent="${AGENT_NAME}"]`);
    await page.waitForSelector('[data-testid="host-now"]');
    const agentCpu = await page.locator('[data-testid="host-cpu"]').innerText();
    if (!/^\d+%$/.test(agentCpu)) fail(`agent ${AGENT_NAME}'s CPU reads "${agentCpu}"`);
    log(`host: agent ${AGENT_NAME}'s machine shown, CPU ${agentCpu}`);
  }
}

/** The agents page's row of `name`: its state, or null when it is not listed. */
function agentRowState(name) {
  return document.querySelector(`[data-testid="agent-row"][data-name="${name}"]`)?.getAttribute('data-state') ?? null;
}

async function agentsStep() {
  if (!AGENT_BIN) fail('E2E_BIN (the wirescope binary the agent runs) is not set');
  await page.goto(url('#/agents'));
  await page.waitForSelector('[data-testid="agents-page"]');
  await page.fill('[data-testid="agent-name"]', AGENT_NAME);
  await page.fill('[data-testid="agent-site-input"]', AGENT_SITE);
  await page.click('[data-testid="agent-submit"]');
  await page.waitForSelector(`[data-testid="agent-made"][data-name="${AGENT_NAME}"]`);
  const token = (await page.locator('[data-testid="agent-token"]').innerText()).trim();
  const command = (await page.locator('[data-testid="agent-command"]').innerText()).trim();
  if (!/^wsa_\S+$/.test(token)) fail(`the new agent's token reads "${token}"`);
  if (!command.includes(`--site ${AGENT_SITE}`) || !command.includes(`WIRESCOPE_AGENT_TOKEN=${token}`) || !command.includes(`--server ${BASE}`))
    fail(`the start command shown does not start this agent: ${command}`);
  if ((await page.evaluate(agentRowState, AGENT_NAME)) !== 'offline') fail(`${AGENT_NAME} is not listed offline before it is started`);

  const spool = mkdtempSync(path.join(tmpdir(), 'wirescope-e2e-agent-'));
  const agent = spawn(AGENT_BIN, ['agent', '--server', BASE, '--site', AGENT_SITE, '--netns', AGENT_NETNS, '--spool', path.join(spool, 'spool.db')], {
    env: { ...process.env, WIRESCOPE_AGENT_TOKEN: token },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let agentErr = '';
  agent.stderr.on('data', (d) => (agentErr = (agentErr + d).slice(-4000)));
  const stop = () => {
    agent.kill('SIGKILL');
    rmSync(spool, { recursive: true, force: true });
  };
  undoOnExit.add(stop);
  try {
    // online within a poll or two of the page
    const until = Date.now() + 20_000;
    while ((await page.evaluate(agentRowState, AGENT_NAME)) !== 'online') {
      if (agent.exitCode !== null) fail(`the agent exited (${agent.exitCode}): ${agentErr}`);
      if (Date.now() > until) fail(`${AGENT_NAME} not online on the Agents page after 20 s; the agent said: ${agentErr}`);
      await page.waitForTimeout(250);
    }
    const caps = await page.locator(`[data-testid="agent-row"][data-name="${AGENT_NAME}"] .caps`).innerText();
    if (!caps.includes(`netns ${AGENT_NETNS}`)) fail(`the agent's capabilities read "${caps}", without netns ${AGENT_NETNS}`);
    await page.waitForSelector(`[data-testid="agent-site"][data-site="${AGENT_SITE}"][data-online="1"]`);
    await shot('agents.png');
    log(`${AGENT_NAME} online for site ${AGENT_SITE} (${caps.replace(/\s+/g, ' ')})`);

    // a ping from this server and the branch: the vantage view
    await page.goto(url('#/new'));
    await page.click('[data-testid="kind-ping"]');
    await page.fill('[data-testid="targets"]', `${ONLY_LOCAL_REACHES}\n${BOTH_REACH}`);
    await page.fill('[data-field="options.count"] input', '1');
    await page.waitForSelector(`[data-testid="run-from-site"][data-site="${AGENT_SITE}"]`);
    if (!(await page.isChecked('[data-testid="run-from-site"][data-site="local"]'))) fail('"run from" does not tick this server by default');
    await page.check(`[data-testid="run-from-site"][data-site="${AGENT_SITE}"]`);
    await page.click('[data-testid="submit"]');
    await waitFor('the vantage view of the batch', () => /^#\/vantage\/\d+$/.test(location.hash) && document.querySelector('[data-testid="vantage"]'));
    await waitFor(
      'both sites to finish',
      () => {
        const sites = [...document.querySelectorAll('[data-testid="vantage-site"]')];
        return sites.length === 2 && sites.every((s) => s.getAttribute('data-status') === 'finished');
      },
      undefined,
      30_000,
    );
    const cells = await page.evaluate(() =>
      Object.fromEntries(
        [...document.querySelectorAll('[data-testid="vantage-row"]')].map((r) => [
          r.getAttribute('data-target'),
          {
            differs: r.getAttribute('data-differs'),
            reached: Object.fromEntries([...r.querySelectorAll('[data-testid="vantage-cell"]')].map((c) => [c.getAttribute('data-site'), c.getAttribute('data-reached')])),
          },
        ]),
      ),
    );
    const want = {
      [ONLY_LOCAL_REACHES]: { differs: 'true', reached: { local: 'true', [AGENT_SITE]: 'false' } },
      [BOTH_REACH]: { differs: 'false', reached: { local: 'true', [AGENT_SITE]: 'true' } },
    };
    if (JSON.stringify(cells) !== JSON.stringify(want)) fail(`the vantage view shows ${JSON.stringify(cells)}, expected ${JSON.stringify(want)}`);
    await shot('vantage.png');
    await page.check('[data-testid="vantage-differing"]');
    const differing = await page.locator('[data-testid="vantage-row"]').count();
    if (differing !== 1) fail(`"only where sites differ" shows ${differing} rows, expected 1`);
    // a site's column leads to its run, which leads back
    await page.click(`[data-testid="vantage-site"][data-site="${AGENT_SITE}"] a`);
    await page.waitForSelector(`[data-testid="run-site"][data-site="${AGENT_SITE}"]`);
    await page.click('[data-testid="run-vantage"]');
    await page.waitForSelector('[data-testid="vantage"]');
    log(`vantage view: ${ONLY_LOCAL_REACHES} reached from local only, ${BOTH_REACH} from both; the branch's run links back`);

    // revoked from the page: listed revoked, the agent cut off and refused
    await page.goto(url('#/agents'));
    await page.waitForSelector(`[data-testid="agent-row"][data-name="${AGENT_NAME}"] [data-testid="agent-revoke"]`);
    page.once('dialog', (d) => d.accept());
    await page.click(`[data-testid="agent-row"][data-name="${AGENT_NAME}"] [data-testid="agent-revoke"]`);
    await waitFor(`${AGENT_NAME} listed revoked`, (n) => document.querySelector(`[data-testid="agent-row"][data-name="${n}"]`)?.getAttribute('data-state') === 'revoked', AGENT_NAME, 10_000);
    const exited = Date.now() + 15_000;
    while (agent.exitCode === null && Date.now() < exited) await page.waitForTimeout(100);
    if (agent.exitCode === null) fail('the revoked agent is still running 15 s after its token was revoked');
    if (!/revoked/i.test(agentErr)) fail(`the revoked agent did not say why it stopped: ${agentErr}`);
    log(`${AGENT_NAME} revoked: the agent stopped with "${agentErr.trim().split('\n').pop()}"`);
  } finally {
    undoOnExit.delete(stop);
    stop();
  }
}

async function signInStep(runId) {
  if (!SETUP_CODE) fail('E2E_SETUP_CODE is not set: scripts/e2e.sh reads it from what serve printed');
  const password = `e2e admin password ${process.pid}`;
  await page.goto(url(`#/setup/${SETUP_CODE}`));
  await page.waitForSelector('[data-testid="setup-form"]');
  await page.fill('[data-testid="signin-name"]', 'e2e-admin');
  await page.fill('[data-testid="signin-password"]', password);
  await page.fill('[data-testid="signin-again"]', password);
  await shot('setup.png');
  await page.click('[data-testid="signin-submit"]');
  await page.waitForSelector('[data-testid="signed-in"][data-role="admin"]', { timeout: 10_000 });
  const anonymous = await fetch(`${BASE}/api/runs`);
  if (anonymous.status !== 401) fail(`with a user, the API answers ${anonymous.status} to a request without a session`);
  log('first admin made from the setup link; the API now asks who is asking (401 without a session)');

  await page.click('[data-testid="sign-out"]');
  await page.waitForSelector('[data-testid="signin-form"]', { timeout: 10_000 });
  await page.fill('[data-testid="signin-name"]', 'e2e-admin');
  await page.fill('[data-testid="signin-password"]', 'not the password');
  await page.click('[data-testid="signin-submit"]');
  const refused = await page.locator('[data-testid="signin-error"]').innerText({ timeout: 10_000 });
  if (!/wrong user name or password/.test(refused)) fail(`a wrong password reads "${refused}"`);
  await shot('signin.png');
  await page.fill('[data-testid="signin-password"]', password);
  await page.click('[data-testid="signin-submit"]');
  await page.waitForSelector('[data-testid="signed-in"][data-role="admin"]', { timeout: 10_000 });
  await page.goto(url('#/history'));
  await page.waitForSelector('[data-testid="history-row"]', { timeout: 10_000 });
  log(`signed out, refused a wrong password ("${refused.slice(0, 60)}"), signed in again; History lists the runs`);

  // the admin adds a viewer on the Users page; the audit trail shows it
  const viewerPassword = `e2e viewer password ${process.pid}`;
  await page.goto(url('#/users'));
  await page.fill('[data-testid="user-name"]', 'e2e-viewer');
  await page.selectOption('[data-testid="user-role"]', 'viewer');
  await page.fill('[data-testid="user-password"]', viewerPassword);
  await page.click('[data-testid="user-submit"]');
  await page.waitForSelector('[data-testid="user-row"][data-name="e2e-viewer"][data-role="viewer"]', { timeout: 10_000 });
  await shot('users.png');
  await page.goto(url('#/audit'));
  await page.waitForSelector('[data-testid="audit-row"][data-action="user.add"][data-actor="e2e-admin"]', { timeout: 10_000 });
  const actions = await page.locator('[data-testid="audit-row"]').count();
  for (const a of ['terminal.session', 'terminal.close', 'run.start', 'capture.download'])
    if (!(await page.locator(`[data-testid="audit-row"][data-action="${a}"]`).count())) fail(`the audit trail has no ${a}`);
  const closed = await page.locator('[data-testid="audit-row"][data-action="terminal.close"]').first().innerText();
  if (!/recording \d+ \(/.test(closed)) fail(`a terminal's close reads "${closed}"`);
  await shot('audit.png');
  log(`Users page added e2e-viewer; the audit trail lists ${actions} actions, user.add among them`);

  // the viewer sees no way to start or stop anything, and the API refuses it (403)
  await page.click('[data-testid="sign-out"]');
  await page.waitForSelector('[data-testid="signin-form"]', { timeout: 10_000 });
  await page.fill('[data-testid="signin-name"]', 'e2e-viewer');
  await page.fill('[data-testid="signin-password"]', viewerPassword);
  await page.click('[data-testid="signin-submit"]');
  await page.waitForSelector('[data-testid="signed-in"][data-role="viewer"]', { timeout: 10_000 });
  await page.goto(url(`#/runs/${runId}`));
  await page.waitForSelector('[data-testid="result-row"]', { timeout: 10_000 });
  for (const id of ['nav-new', 'nav-terminal', 'nav-creds', 'rerun'])
    if (await page.locator(`[data-testid="${id}"]`).isVisible()) fail(`a viewer sees ${id}`);
  if (!(await page.locator('[data-testid="nav-history"]').isVisible())) fail('a viewer does not see History');
  const refusedRun = await page.evaluate(async () => {
    const r = await fetch('api/runs', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ kind: 'ping', targets: ['127.0.0.1'] }) });
    return { status: r.status, body: await r.text() };
  });
  if (refusedRun.status !== 403 || !refusedRun.body.includes('needs operator')) fail(`a viewer's run: ${refusedRun.status} ${refusedRun.body}`);
  await shot('viewer.png');
  log(`a viewer sees the run without New run, Terminal, Credentials or Rerun; the API answers ${refusedRun.status} to its run`);

  await sharedTerminalStep(password);
  await ssoStep();
}

/**
 * Through the provider's pages (oidc-provider's development login and consent forms) until
 * the browser is back at wirescope.
 */
async function throughProvider(p, login) {
  for (let i = 0; i < 6 && !p.url().startsWith(BASE); i++) {
    await p.waitForLoadState('domcontentloaded');
    if (p.url().startsWith(BASE)) break;
    if (await p.locator('input[name="login"]').count()) {
      await p.fill('input[name="login"]', login);
      await p.fill('input[name="password"]', 'any password: the development login takes it');
    }
    const button = p.locator('button[type="submit"]').first();
    if (!(await button.count())) fail(`the identity provider's page ${p.url()} has nothing to submit:\n${(await p.content()).slice(0, 400)}`);
    await Promise.all([p.waitForEvent('framenavigated', { predicate: (f) => f === p.mainFrame(), timeout: 10_000 }), button.click()]);
  }
  if (!p.url().startsWith(BASE)) fail(`the sign-in of ${login} did not come back from the identity provider (at ${p.url()})`);
}

/**
 * Single sign-on through the lab's OpenID provider: alice (group netops, mapped to operator)
 * signs in from the sign-in page's button and runs a ping; mallory (group visitors, mapped to
 * nothing) is refused with a page naming her groups and the ones that would do.
 */
async function ssoStep() {
  const other = await chromium.launch({ executablePath: BROWSER, headless: true, args: CHROMIUM_ARGS });
  try {
    const alice = await (await other.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark' })).newPage();
    alice.setDefaultTimeout(15_000);
    alice.on('pageerror', (e) => pageErrors.push(`alice's browser: ${e.message}`));
    await alice.goto(url('#/history'));
    const button = alice.locator('[data-testid="signin-sso"]');
    await button.waitFor();
    const label = await button.innerText();
    if (!label.includes("lab's SSO")) fail(`the single sign-on button reads "${label}"`);
    await button.click();
    await alice.waitForURL((u) => !u.toString().startsWith(BASE), { timeout: 10_000 });
    await alice.waitForSelector('input[name="login"]');
    await alice.screenshot({ path: path.join(SHOTS, 'sso-provider.png') });
    await throughProvider(alice, 'alice');
    await alice.waitForSelector('[data-testid="signed-in"][data-role="operator"]', { timeout: 10_000 });
    const who = await alice.locator('[data-testid="signed-in"]').innerText();
    if (!who.includes('alice')) fail(`after single sign-on the top bar reads "${who}"`);
    // an operator runs a ping
    await alice.goto(url('#/new'));
    await alice.click('[data-testid="kind-ping"]');
    await alice.fill('[data-testid="targets"]', '127.0.0.1');
    await alice.click('[data-testid="submit"]');
    await alice.waitForURL(/#\/runs\/\d+$/, { timeout: 15_000 });
    await alice.waitForSelector('[data-testid="result-row"]', { timeout: 30_000 });
    log(`alice signed in through the OpenID provider (group netops → ${who.trim()}) and ran a ping: ${alice.url().replace(BASE, '')}`);

    const mallory = await (await other.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    mallory.setDefaultTimeout(15_000);
    await mallory.goto(url('#/history'));
    await mallory.click('[data-testid="signin-sso"]');
    await mallory.waitForURL((u) => !u.toString().startsWith(BASE), { timeout: 10_000 });
    await throughProvider(mallory, 'mallory');
    await mallory.waitForSelector('[data-testid="sso-title"]').catch(async () =>
      fail(`mallory's sign-in ended at ${mallory.url()}:\n${(await mallory.content()).slice(0, 600)}`),
    );
    const title = await mallory.locator('[data-testid="sso-title"]').innerText();
    const text = await mallory.locator('[data-testid="sso-text"]').innerText();
    if (!/not allowed/.test(title) || !text.includes('visitors') || !text.includes('netops → operator'))
      fail(`mallory's refusal reads "${title}": ${text}`);
    const me = await mallory.evaluate(async () => (await fetch('/api/me')).status);
    if (me !== 401) fail(`after the refusal mallory's browser gets ${me} from /api/me, not 401`);
    await mallory.screenshot({ path: path.join(SHOTS, 'sso-refused.png') });
    log(`mallory (group visitors) refused: "${title}"; /api/me answers ${me}`);
  } finally {
    await other.close();
  }
}

/**
 * A shared incident terminal: the admin, signed in in a second browser, opens a terminal and
 * shares it; the viewer (this page) finds it under Recordings → Open now, sees the screen so far
 * and then the live output, cannot type into it, and each sees who watches; the admin's exit
 * ends it for the viewer, and the recording lists the watcher.
 */
async function sharedTerminalStep(adminPassword) {
  const other = await chromium.launch({ executablePath: BROWSER, headless: true, args: CHROMIUM_ARGS });
  try {
    const ctx = await other.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark' });
    const admin = await ctx.newPage();
    admin.setDefaultTimeout(15_000);
    admin.on('pageerror', (e) => pageErrors.push(`second browser: ${e.message}`));
    await admin.goto(url('#/history'));
    await admin.waitForSelector('[data-testid="signin-form"]');
    await admin.fill('[data-testid="signin-name"]', 'e2e-admin');
    await admin.fill('[data-testid="signin-password"]', adminPassword);
    await admin.click('[data-testid="signin-submit"]');
    await admin.waitForSelector('[data-testid="signed-in"][data-role="admin"]', { timeout: 10_000 });
    await admin.goto(url(`#/terminal?target=${SSH_HOST}&user=${SSH_USER}&netns=${SSH_NETNS}`));
    await admin.waitForSelector('[data-testid="terminal-view"]');
    if (!(await admin.locator('[data-testid="connect-form"]').count())) await admin.click('[data-testid="terminal-new-session"]');
    await admin.fill('[data-testid="t-password"]', SSH_PASSWORD);
    await admin.click('[data-testid="t-connect"]');
    await admin.waitForSelector(`${TERM_ACTIVE}[data-phase="ready"]`, { timeout: 20_000 });
    const recording = Number(await admin.getAttribute(TERM_ACTIVE, 'data-recording'));
    const adminScreen = () => admin.evaluate(screenLines, TERM_ACTIVE);
    const adminWaits = async (what, pred) => {
      const until = Date.now() + 15_000;
      while (!pred(await adminScreen())) {
        if (Date.now() > until) fail(`the admin's terminal: timed out waiting for ${what}:\n${(await adminScreen()).filter(Boolean).join('\n')}`);
        await admin.waitForTimeout(50);
      }
    };
    const adminTypes = async (line) => {
      await admin.click(`${TERM_ACTIVE} [data-testid="terminal-screen"]`);
      await admin.keyboard.type(line, { delay: 10 });
      await admin.keyboard.press('Enter');
    };
    // $((6*7)) is printed as 42 only by the shell: the echoed command line does not match
    await adminTypes('echo before-$((6*7))');
    await adminWaits('before-42', (lines) => lines.some((l) => l.trim() === 'before-42'));
    await admin.click(`${TERM_ACTIVE} [data-testid="terminal-share"]`);
    await admin.waitForSelector(`${TERM_ACTIVE} [data-testid="terminal-watchers"][data-count="0"]`);

    // the viewer finds it open and shared, and joins late: the screen so far first
    await page.goto(url('#/recordings'));
    await page.waitForSelector(`[data-testid="live-terminal"][data-id="${recording}"][data-shared="true"]`, { timeout: 10_000 });
    await page.click(`[data-testid="live-terminal"][data-id="${recording}"] [data-testid="live-watch"]`);
    await page.waitForSelector('[data-testid="terminal-watch"][data-phase="watching"]');
    const WATCH = '[data-testid="terminal-watch"]';
    await waitScreen(WATCH, 'the shared screen so far', (lines) => lines.some((l) => l.trim() === 'before-42'));
    const owner = (await page.locator('[data-testid="watch-owner"]').innerText()).trim();
    if (owner !== 'e2e-admin') fail(`the watched terminal is "opened by ${owner}"`);
    await page.waitForSelector(`${WATCH} [data-testid="watch-watchers"]:has-text("e2e-viewer")`);
    await admin.waitForSelector(`${TERM_ACTIVE} [data-testid="terminal-watchers"]:has-text("e2e-viewer")`, { timeout: 10_000 });

    // live output reaches the viewer; what the viewer types reaches nothing
    await adminTypes('echo live-$((6*7))');
    await waitScreen(WATCH, 'the live output', (lines) => lines.some((l) => l.trim() === 'live-42'));
    await page.click('[data-testid="watch-screen"]');
    await page.keyboard.type('echo intruder-$((6*7))', { delay: 10 });
    await page.keyboard.press('Enter');
    await adminTypes('echo after-$((6*7))');
    await adminWaits('after-42', (lines) => lines.some((l) => l.trim() === 'after-42'));
    if ((await adminScreen()).some((l) => l.includes('intruder'))) fail('what the viewer typed reached the shared terminal');
    await shot('terminal-watch.png');
    log(`e2e-viewer watches recording #${recording} of e2e-admin live (late join, live output, keystrokes ignored); each sees the other`);

    // the owner ends it: the viewer is told; the recording names the watcher
    await adminTypes('exit');
    await page.waitForSelector('[data-testid="terminal-watch"][data-phase="closed"]', { timeout: 10_000 });
    const status = await page.locator('[data-testid="watch-status"]').innerText();
    if (!/session closed: exit/.test(status)) fail(`the watcher's view reads "${status}" after the owner's exit`);
    await page.goto(url('#/recordings'));
    const people = page.locator(`[data-testid="recording-row"][data-id="${recording}"] [data-testid="recording-people"]`);
    await people.waitFor();
    const title = (await people.getAttribute('title')) ?? '';
    if (!title.includes('e2e-viewer') || !(await people.innerText()).includes('e2e-admin'))
      fail(`recording #${recording} reads "${await people.innerText()}" (${title}): not opened by e2e-admin and watched by e2e-viewer`);
    log(`recording #${recording}: opened by e2e-admin, ${title}`);
  } finally {
    await other.close();
  }
}

main()
  .then(async () => {
    clearTimeout(watchdog);
    await cleanup();
    log(ONLY ? `e2e passed: ${ONLY} only` : `e2e passed: every step, ${shots} screenshots`);
    console.log(ONLY ? '1 passed, 0 failed' : '11 passed, 0 failed');
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
