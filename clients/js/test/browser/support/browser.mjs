// Headless Debian Chromium driven by playwright-core (no browser is ever downloaded), and small
// helpers the browser tests share: a page with the client loaded from the server, the admin
// snapshot read from Node, screenshots into test-artifacts/.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../../support/wait.mjs';
import { startServer } from '../../support/server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ARTIFACTS = path.resolve(here, '../../../test-artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Launches Chromium. Playwright gives each launch a new empty profile (a temporary
 * user-data-dir it deletes on close); the flags keep the browser off the network except for
 * the pages' own loopback server. Close it in a `finally`.
 */
export function launchChromium() {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: the browser tests drive Debian's Chromium (apt-get install chromium), or set CHROMIUM_PATH`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 20_000,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * A real server with the admin API on (`--admin-token adminToken`) and a browser.
 * Resolves with { server, browser, close() }; close() (in an `after`) ends both.
 */
export async function startServerAndBrowser(adminToken) {
  const server = await startServer(['--admin-token', adminToken]);
  let browser;
  try {
    browser = await launchChromium();
  } catch (e) {
    await server.stop();
    throw e;
  }
  return {
    server,
    browser,
    async close() {
      try {
        await browser.close();
      } finally {
        await server.stop();
      }
    },
  };
}

/**
 * A page in a context of its own (its own cookies and storage, as another user's tab) at the
 * dashboard's URL — a page of the server's origin under its strict CSP — with the client
 * connected: `window.sb` is the Client, `window.sbModule` the module. Returns { page, sessionId }.
 */
export async function pageWithClient(browser, serverUrl, { initScript, contextOptions } = {}) {
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(String(e)));
  if (initScript) await page.addInitScript(initScript);
  await page.goto(serverUrl + '/admin');
  const sessionId = await page.evaluate(async () => {
    const m = await import('/admin/client/index.js');
    window.sbModule = m;
    window.sb = new m.Client({ url: location.origin, client: 'browser-test', reconnect: false });
    window.sbEvents = [];
    window.sb.on('closed', ({ error }) => window.sbEvents.push({ event: 'closed', code: error?.code ?? null }));
    await window.sb.connect();
    return window.sb.sessionId;
  });
  return { page, context, sessionId, problems };
}

/** The admin snapshot, read from Node with the admin token. */
export async function adminSnapshot(serverUrl, token) {
  const res = await fetch(serverUrl + '/api/v1/admin/snapshot', { headers: { 'X-Switchboard-Admin': token } });
  if (res.status !== 200) throw new Error(`snapshot: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

/** Waits until `check(snapshot)` is truthy (at most timeoutMs); returns that snapshot. */
export async function waitForSnapshot(serverUrl, token, check, { timeoutMs = 5000, what = 'the snapshot' } = {}) {
  return waitFor(async () => {
    const snapshot = await adminSnapshot(serverUrl, token);
    return check(snapshot) ? snapshot : null;
  }, { timeoutMs, intervalMs: 50, what });
}

/** Saves a full-page screenshot as test-artifacts/<name>.png; returns its path. */
export async function screenshot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, name + '.png');
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
