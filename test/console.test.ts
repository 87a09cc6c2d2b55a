import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, startTestHopwatch, type TestHopwatch } from './helpers/api.js';
import { mergeScenarios } from './helpers/kafka-ingest.js';

/** Debian's chromium (bash .ci/run installs it); CHROMIUM_PATH names another. */
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** HOPWATCH_SCREENSHOTS=docs writes the README's screenshots; by default they go to a temporary directory. */
const screenshots = process.env.HOPWATCH_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), 'hopwatch-console-'));

const scenarios = ['fanout-explosion', 'stolen-key', 'agent-recursion', 'scope-creep'];
let running: TestHopwatch;
let browser: Browser;
let page: Page;
let fanoutOrigin: string;
/** In a record that cannot be read: it must be shown redacted. */
const leakedToken = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZ2VudCJ9.c2lnbmF0dXJlLW9mLWEtdG9rZW4';
let stolenKey: string;

async function api<T>(path: string): Promise<T> {
  const response = await fetch(`${running.url}${path}`, { headers: bearer(running.tokens.read) });
  expect(response.status, path).toBe(200);
  return (await response.json()) as T;
}

/** Nothing on screen looks like a token or a JWT. */
async function expectNoSecret(): Promise<void> {
  const html = await page.content();
  expect(html).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.|hw_[A-Za-z0-9_-]{20,}|Bearer /);
}

async function shoot(name: string): Promise<void> {
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: join(screenshots, `console-${name}.png`), fullPage: false });
}

beforeAll(async () => {
  if (!existsSync(executablePath)) {
    throw new Error(
      `no Chromium at ${executablePath}: install Debian's chromium (bash .ci/run does) or set CHROMIUM_PATH`,
    );
  }
  running = await startTestHopwatch({ store: { hopsTtlDays: 3_650 } });
  const merged = join(running.dataDir, 'merged.ndjson');
  const labels = mergeScenarios(scenarios, merged);
  const origin = (detector: string) =>
    labels.labels.find((label) => label.detector === detector)!.originCredential;
  fanoutOrigin = origin('fanout');
  stolenKey = origin('rate');
  const ingest = await fetch(`${running.url}/v1/ingest`, {
    method: 'POST',
    headers: { ...bearer(running.tokens.ingest), 'content-type': 'application/x-ndjson' },
    body: readFileSync(merged),
  });
  expect(ingest.status, await ingest.text()).toBe(200);
  const rejected = await fetch(`${running.url}/v1/ingest`, {
    method: 'POST',
    headers: { ...bearer(running.tokens.ingest), 'content-type': 'application/x-ndjson' },
    body: `not json at all\n{"authorization": "Bearer ${leakedToken}", "cut": \n`,
  });
  expect(await rejected.json()).toMatchObject({ accepted: 0, rejected: 2 });
  // Every window judged and stored, as at shutdown; the API keeps answering.
  await running.hopwatch.pipeline.drain();
  browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu'] });
  page = await browser.newPage({ viewport: { width: 1366, height: 860 } });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await running?.close();
});

describe('the analyst console in a real Chromium', () => {
  it('asks for a token once, then lists the incidents, most recent activity first', async () => {
    await page.goto(`${running.url}/ui/`);
    await page.getByLabel('Token').fill(running.tokens.read);
    await page.getByRole('button', { name: 'Open' }).click();
    const rows = page.locator('table.incidents tbody tr');
    const expected = (await api<{ items: Array<{ id: string }> }>('/v1/incidents?limit=50')).items;
    expect(expected.length).toBeGreaterThanOrEqual(scenarios.length);
    await expect.poll(() => rows.count()).toBe(expected.length);
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-incident-id')))).toEqual(
      expected.map((incident) => incident.id),
    );
    await expect.poll(() => page.locator('table.incidents').textContent()).toContain(fanoutOrigin);
    await expectNoSecret();
    await shoot('incidents');

    // The token is kept for the tab: a reload goes straight to the list.
    await page.reload();
    await expect.poll(() => rows.count()).toBe(expected.length);
  });

  it('lists the recent findings, newest first, as the API gives them', async () => {
    await page.goto(`${running.url}/ui/#/findings`);
    const rows = page.locator('table.findings tbody tr');
    const expected = (await api<{ items: Array<{ id: string }> }>('/v1/findings?limit=100')).items;
    await expect.poll(() => rows.count()).toBe(expected.length);
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-finding-id')))).toEqual(
      expected.map((finding) => finding.id),
    );
    await expectNoSecret();
    await shoot('findings');
  });

  it('lists the records it could not read, with their reasons and no secret', async () => {
    await page.goto(`${running.url}/ui/#/rejected`);
    const rows = page.locator('table.dead-letters tbody tr');
    const expected = (await api<{ items: Array<{ id: string }> }>('/v1/dead-letters?limit=100')).items;
    await expect.poll(() => rows.count()).toBe(expected.length);
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-dead-letter-id')))).toEqual(
      expected.map((letter) => letter.id),
    );
    const text = await page.locator('table.dead-letters').textContent();
    expect(text).toContain('not valid JSON');
    expect(text).toContain('http, line 2');
    expect(text).toContain('[REDACTED]');
    await page.locator('table.dead-letters details').first().click();
    await expectNoSecret();
    await shoot('rejected');
  });

  it('is usable from the keyboard: tab to an incident and open it with Enter', async () => {
    await page.goto(`${running.url}/ui/#/incidents`);
    await page.locator('table.incidents tbody tr').first().waitFor();
    for (let presses = 0; presses < 20; presses++) {
      await page.keyboard.press('Tab');
      const onIncident = await page.evaluate(
        () =>
          (
            globalThis as unknown as { document: { activeElement: { closest(s: string): unknown } | null } }
          ).document.activeElement?.closest('table.incidents tbody') != null,
      );
      if (onIncident) break;
    }
    await page.keyboard.press('Enter');
    await expect.poll(() => page.url()).toMatch(/#\/incidents\/[0-9a-f]{32}$/);
    await page.locator('table.findings').waitFor();
  });

  it("goes from the fan-out's incident to its finding and draws the trace's call tree", async () => {
    await page.goto(`${running.url}/ui/#/incidents`);
    await page.getByRole('link', { name: fanoutOrigin }).click();
    await page.locator('table.findings').waitFor();
    await shoot('incident');
    const finding = page.locator('table.findings tr', { hasText: 'fanout/fanout_limit' }).first();
    await finding.getByRole('link').click();
    await page.locator('svg.lineage').waitFor();

    const findingId = decodeURIComponent(page.url().split('/').pop()!);
    const stored = await api<{ traceIds: string[]; evidence: { rootHopId: string; sampleHopIds: string[] } }>(
      `/v1/findings/${findingId}`,
    );
    const trace = await api<{ hopCount: number }>(`/v1/traces/${stored.traceIds[0]}`);
    expect(trace.hopCount).toBeGreaterThan(25);
    expect(await page.locator('svg.lineage g.hop').count()).toBe(trace.hopCount);
    const offending = await page
      .locator('svg.lineage g.hop.offending')
      .evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-hop-id')));
    expect(offending).toContain(stored.evidence.rootHopId);
    expect(offending.length).toBe(new Set([stored.evidence.rootHopId, ...stored.evidence.sampleHopIds]).size);
    expect(await page.locator('svg.lineage path.edge').count()).toBe(trace.hopCount - 1);
    await expectNoSecret();
    await shoot('finding-tree');
  });

  it("charts the stolen key's request rate against its recent median, and marks its new destinations", async () => {
    await page.goto(`${running.url}/ui/#/incidents`);
    await page.getByRole('link', { name: stolenKey }).click();
    // On the incident page: its credential, not a finding whose summary names it.
    await page.getByRole('link', { name: stolenKey, exact: true }).click();
    const chart = page.locator('div.chart');
    await chart.locator('canvas').waitFor();
    const activity = await api<{ buckets: Array<{ hops: number }>; destinations: Array<{ new: boolean }> }>(
      `/v1/credentials/${encodeURIComponent(stolenKey)}/activity`,
    );
    const peak = Math.max(...activity.buckets.map((bucket) => bucket.hops));
    expect(peak).toBeGreaterThan(600);
    expect(await chart.getAttribute('data-peak')).toBe(String(peak));
    await expect.poll(() => page.locator('figcaption').textContent()).toContain(`Peak ${peak} hops`);
    const newBadges = await page.locator('table.destinations .badge.new').count();
    expect(newBadges).toBe(activity.destinations.filter((destination) => destination.new).length);
    await expectNoSecret();
    await shoot('credential-rate');
  });
});
