// The trend page in Debian's chromium (playwright-core): for the 3 h, 1 d and 7 d views of one
// series, the time from asking for the page to its chart drawn with every bucket, five times
// each (the first of each is counted: nothing cached), against issue 13's goal of 200 ms.
// Usage: node bench/trend-page.mjs BASE SUITE SERIES
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(new URL('../web/package.json', import.meta.url));
const { chromium } = require('playwright-core');
const [base, suite, series] = process.argv.slice(2);
const dir = mkdtempSync(path.join(os.tmpdir(), 'trend-page-'));
const context = await chromium.launchPersistentContext(dir, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  viewport: { width: 1440, height: 900 },
});
const page = context.pages()[0] ?? (await context.newPage());
await page.goto(`${base}/#/suites`);
await page.waitForSelector('[data-testid="suites"]');
const pct = (v, q) => [...v].sort((a, b) => a - b)[Math.min(v.length - 1, Math.floor(q * v.length))];
for (const range of ['3h', '1d', '7d']) {
  const want = await page.evaluate(
    async ([s, id, r]) => (await (await fetch(`/api/suites/${s}/trend?series=${id}&range=${r}`)).json()).buckets.length,
    [suite, series, range],
  );
  const times = [];
  for (let i = 0; i < 5; i++) {
    await page.goto(`${base}/#/suites`);
    await page.waitForSelector('[data-testid="suites"]');
    const t0 = Date.now();
    await page.evaluate(([s, id, r]) => (location.hash = `#/suites/${s}/series/${id}?range=${r}`), [suite, series, range]);
    await page.waitForFunction(
      (n) => {
        const c = document.querySelector('[data-testid="trend-chart"]');
        return c && Number(c.getAttribute('data-buckets')) === n && document.querySelector('[data-testid="trend-median"]');
      },
      want,
      { polling: 'raf', timeout: 10_000 },
    );
    times.push(Date.now() - t0);
  }
  console.log(`trend page ${range} (${want} buckets): drawn in median ${pct(times, 0.5)} ms, max ${Math.max(...times)} ms (goal <= 200 ms)`);
}
await context.close();
rmSync(dir, { recursive: true, force: true });
