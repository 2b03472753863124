import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './support/server.mjs';
import { clientPool } from './support/clients.mjs';
import { waitFor, nextEvent } from './support/wait.mjs';
import { SwitchboardError } from '../dist/index.js';
import { boundTestFile } from './support/bound.mjs';

boundTestFile();

let server;
let pool;
before(async () => {
  server = await startServer();
  pool = clientPool({ url: server.url });
});
afterEach(() => pool.closeAll());
after(() => server.stop());

test('lock: acquire gives a fencing token, a second session times out, release hands it on', { timeout: 20000 }, async () => {
  const a = await pool.open();
  const b = await pool.open();
  const lock = await a.locks.acquire('orders', { timeoutMs: 1000, leaseMs: 60000 });
  assert.match(lock.token, /^[0-9a-f]{32}$/);
  assert.equal(lock.fence, BigInt('0x' + lock.token.slice(0, 16)));
  assert.equal(lock.leaseMs, 60000);
  assert.equal(await b.locks.tryAcquire('orders'), undefined);
  await assert.rejects(b.locks.acquire('orders', { timeoutMs: 50 }), (e) => e instanceof SwitchboardError && e.code === 'timeout');
  const waiting = b.locks.acquire('orders', { timeoutMs: 5000 });
  await lock.release();
  assert.equal(lock.held, false);
  const next = await waiting;
  assert.ok(next.fence > lock.fence, 'a later grant has a greater fence');
  await next.release();
});

test('lock: two-phase enqueue then wait, and cancel ends a pending wait', { timeout: 20000 }, async () => {
  const a = await pool.open();
  const b = await pool.open();
  const first = await a.locks.enqueue('two-phase');
  assert.ok(first.lock, 'a free key is granted at enqueue');
  const queued = await b.locks.enqueue('two-phase');
  assert.equal(queued.lock, undefined);
  await assert.rejects(b.locks.enqueue('two-phase'), (e) => e.code === 'already_enqueued');
  const granted = queued.wait(5000);
  await first.lock.release();
  const lock = await granted;
  assert.ok(lock.held);
  // A wait that is cancelled rejects with `cancelled`.
  const c = await pool.open();
  const third = await c.locks.enqueue('two-phase');
  const cancelled = assert.rejects(third.wait(10000), (e) => e.code === 'cancelled');
  await waitFor(async () => (await c.locks.cancel('two-phase')) === 1, { what: 'the wait to be cancellable' });
  await cancelled;
});

test('lock: the lease is renewed in the background while held', { timeout: 20000 }, async () => {
  const a = await pool.open();
  const b = await pool.open();
  const lock = await a.locks.acquire('renewed', { leaseMs: 300 });
  await waitFor(() => lock.renewals >= 4, { what: 'four background renewals' });
  assert.ok(lock.held);
  assert.equal(lock.lost, undefined);
  assert.equal(await b.locks.tryAcquire('renewed'), undefined, 'still held past three leases');
  await lock.release();
  const after = await b.locks.tryAcquire('renewed');
  assert.ok(after, 'released: the other session gets it');
});

test('lock: a lease that runs out is reported as lock.lost on the handle and the client', { timeout: 20000 }, async () => {
  const a = await pool.open();
  const lock = await a.locks.acquire('expiring', { leaseMs: 200, autoRenew: false });
  const onLost = new Promise((resolve) => lock.onLost(resolve));
  const clientEvent = nextEvent(a, 'lock.lost');
  const lost = await onLost;
  assert.deepEqual(lost, { kind: 'lock', key: 'expiring', token: lock.token, reason: 'lease_expired' });
  const event = await clientEvent;
  assert.equal(event.token, lock.token);
  assert.equal(event.reason, 'lease_expired');
  assert.equal(lock.held, false);
  assert.equal(lock.lost, 'lease_expired');
  await assert.rejects(lock.renew(), (e) => e.code === 'not_held' || e.code === 'lease_expired');
});

test('semaphore: up to limit holders, limit mismatch refused, enqueue and release', { timeout: 20000 }, async () => {
  const a = await pool.open();
  const b = await pool.open();
  const one = await a.semaphores.acquire('pool', 2);
  const two = await b.semaphores.tryAcquire('pool', 2);
  assert.ok(two);
  assert.notEqual(one.token, two.token);
  assert.equal(await a.semaphores.tryAcquire('pool', 2), undefined);
  await assert.rejects(a.semaphores.acquire('pool', 3), (e) => e.code === 'limit_mismatch');
  const queued = await a.semaphores.enqueue('pool', 2);
  assert.equal(queued.lock, undefined);
  const granted = queued.wait(5000);
  await two.release();
  const third = await granted;
  assert.equal(third.kind, 'sem');
  // The semaphore and the lock of one key are different resources.
  assert.ok(await b.locks.tryAcquire('pool'));
  await one.release();
  await third.release();
});

test('semaphore: lock.lost reaches the slot whose lease ran out', { timeout: 20000 }, async () => {
  const a = await pool.open();
  const slot = await a.semaphores.acquire('sem-expiring', 3, { leaseMs: 200, autoRenew: false });
  const lost = await new Promise((resolve) => slot.onLost(resolve));
  assert.equal(lost.kind, 'sem');
  assert.equal(lost.reason, 'lease_expired');
  assert.equal(slot.held, false);
});
