// The admin dashboard in headless Debian Chromium, against a real server: signing in through
// the form, a lock held by one browser page and waited for by another, the live update when it
// is released, closing a session from the dashboard. Screenshots (laptop and phone) go to
// test-artifacts/.
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { pageWithClient, screenshot, startServerAndBrowser } from './support/browser.mjs';

const ADMIN = 'dashboard-admin-token';
const LAPTOP = { width: 1366, height: 800 };
const PHONE = { width: 390, height: 844 };
let env;
let server;
let browser;
let dashboard;
const dashboardErrors = [];
const failedRequests = [];

before(async () => {
  env = await startServerAndBrowser(ADMIN);
  ({ server, browser } = env);
  const context = await browser.newContext({ viewport: LAPTOP });
  dashboard = await context.newPage();
  dashboard.on('pageerror', (e) => dashboardErrors.push(String(e)));
  dashboard.on('console', (m) => { if (m.type() === 'error') dashboardErrors.push(m.text()); });
  dashboard.on('response', (r) => { if (r.status() >= 400) failedRequests.push(`${r.status()} ${new URL(r.url()).pathname}`); });
  await dashboard.goto(server.url + '/admin');
}, { timeout: 40_000 });

after(() => env?.close(), { timeout: 15_000 });

const byTestId = (id) => dashboard.locator(`[data-testid="${id}"]`);

async function signIn(token) {
  await byTestId('login-token').fill(token);
  await byTestId('login-submit').click();
}

/** Screenshots of the whole dashboard at laptop and phone sizes, back at laptop size after. */
async function screenshots(name) {
  const files = [await screenshot(dashboard, `dashboard-${name}-laptop`)];
  await dashboard.setViewportSize(PHONE);
  files.push(await screenshot(dashboard, `dashboard-${name}-phone`));
  await dashboard.setViewportSize(LAPTOP);
  return files;
}

test('a wrong admin token is refused on the form, the right one opens the dashboard', { timeout: 30_000 }, async () => {
  await signIn('not-the-token');
  await byTestId('login-error').filter({ hasText: 'Wrong admin token.' }).waitFor({ timeout: 15_000 });
  assert.equal(await byTestId('dashboard').isVisible(), false);
  assert.equal(await byTestId('login-token').inputValue(), '', 'the token is taken out of the field');

  await signIn(ADMIN);
  await byTestId('dashboard').waitFor({ state: 'visible', timeout: 15_000 });
  assert.equal(await byTestId('login').isVisible(), false);
  assert.match(await byTestId('node').textContent(), /^switchboard\//);
  assert.ok(!dashboard.url().includes(ADMIN), 'the token is not in the URL');
  assert.equal(await dashboard.evaluate(() => localStorage.length + sessionStorage.length + document.cookie.length), 0);
});

test('the dashboard shows a lock held by page A and waited for by page B, updates live on release, and closes B\'s session',
  { timeout: 60_000 }, async () => {
    const a = await pageWithClient(browser, server.url);
    const b = await pageWithClient(browser, server.url);
    const lock = byTestId('lock-row-dashboard-lock');
    const holder = (p) => lock.locator(`[data-testid="lock-holder-${p.sessionId}"]`);
    const waiter = (p) => lock.locator(`[data-testid="lock-waiter-${p.sessionId}"]`);
    try {
      await a.page.evaluate(async () => {
        window.held = await window.sb.locks.acquire('dashboard-lock', { leaseMs: 60_000 });
      });
      await b.page.evaluate(() => {
        window.pending = window.sb.locks.acquire('dashboard-lock', { timeoutMs: 20_000, leaseMs: 60_000 })
          .then((l) => (window.held = l, l.token.slice(0, 16)), (e) => 'failed: ' + e.code);
      });
      // The dashboard shows fences as the server does: the token's 16 hex digits (Lock.fence is their value).
      const fenceA = await a.page.evaluate(() => window.held.token.slice(0, 16));

      // A holds with its fence, B waits first in line; both sessions are listed with what they do.
      await waiter(b).waitFor({ timeout: 15_000 });
      assert.match(await holder(a).textContent(), new RegExp(`fence ${fenceA}\\b`));
      assert.equal(await waiter(b).getAttribute('data-position'), '1');
      assert.match(await byTestId(`session-row-${a.sessionId}`).textContent(), /dashboard-lock.*fence/);
      await byTestId(`session-row-${b.sessionId}`).waitFor();
      await dashboard.evaluate(() => { window.notReloaded = true; });
      const held = await screenshots('lock-and-waiter');

      // A releases: without a reload, B holds (with a larger fence) and nobody waits.
      await a.page.evaluate(() => window.held.release());
      const fenceB = await b.page.evaluate(() => window.pending);
      assert.ok(BigInt('0x' + fenceB) > BigInt('0x' + fenceA), `B's fence ${fenceB} after A's ${fenceA}`);
      await holder(b).waitFor({ timeout: 15_000 });
      await waiter(b).waitFor({ state: 'detached', timeout: 15_000 });
      assert.equal(await holder(a).count(), 0);
      assert.equal(await lock.locator('.waiters li').count(), 0);
      assert.match(await holder(b).textContent(), new RegExp(`fence ${fenceB}\\b`));
      assert.equal(await dashboard.evaluate(() => window.notReloaded), true, 'the page was not reloaded');
      const released = await screenshots('released');

      // Closing B: the confirm dialog names it; dismissed, nothing happens; accepted, B is closed.
      const dialogs = [];
      dashboard.once('dialog', (d) => { dialogs.push({ type: d.type(), message: d.message() }); void d.dismiss(); });
      await byTestId(`session-close-${b.sessionId}`).click();
      assert.equal(dialogs.length, 1);
      assert.equal(dialogs[0].type, 'confirm');
      assert.ok(dialogs[0].message.includes(b.sessionId), dialogs[0].message);
      assert.equal(await b.page.evaluate(() => window.sb.state), 'connected');

      dashboard.once('dialog', (d) => void d.accept());
      await byTestId(`session-close-${b.sessionId}`).click();
      await b.page.waitForFunction(() => window.sbEvents.some((e) => e.event === 'closed'), null, { timeout: 15_000 });
      assert.deepEqual(await b.page.evaluate(() => window.sbEvents), [{ event: 'closed', code: 'session_closed' }]);
      // The action's own line: the refresh's status line is replaced every second.
      await byTestId('notice').filter({ hasText: /^Session #\d+ closed\.$/ }).waitFor({ timeout: 15_000 });
      await byTestId(`session-row-${b.sessionId}`).waitFor({ state: 'detached', timeout: 15_000 });
      await lock.waitFor({ state: 'detached', timeout: 15_000 }); // B's lock went with its session
      assert.equal(await byTestId(`session-row-${a.sessionId}`).count(), 1, 'A is still there');
      console.log('screenshots:', [...held, ...released].join(' '));
    } finally {
      await a.context.close();
      await b.context.close();
    }
  });

test('the dashboard raised no error in the page, and every request but the wrong token\'s succeeded', { timeout: 5_000 }, () => {
  assert.deepEqual(failedRequests, ['401 /api/v1/admin/snapshot']);
  // Chromium logs a failed request as a console error too, the favicon's included (Playwright
  // reports no response for it): only the wrong token's may be there.
  assert.deepEqual(dashboardErrors, ['Failed to load resource: the server responded with a status of 401 (Unauthorized)']);
});
