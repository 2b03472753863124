import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './support/server.mjs';
import { clientPool } from './support/clients.mjs';
import { waitFor } from './support/wait.mjs';
import { SwitchboardError } from '../dist/index.js';
import { boundTestFile } from './support/bound.mjs';

boundTestFile();

let server;
let pool;
before(async () => {
  server = await startServer(['--topic-history', 'hist.>=100']);
  pool = clientPool({ url: server.url });
});
afterEach(() => pool.closeAll());
after(() => server.stop());

test('signals: a wildcard listener hears matching channels, a queue group shares them', { timeout: 20000 }, async () => {
  const [listener, g1, g2, publisher] = await Promise.all([pool.open(), pool.open(), pool.open(), pool.open()]);
  const heard = [];
  const sub = await listener.signals.listen('orders.*', (s) => heard.push(s));
  const groupHeard = [[], []];
  await g1.signals.listen('orders.>', (s) => groupHeard[0].push(s.payload), { group: 'workers' });
  await g2.signals.listen('orders.>', (s) => groupHeard[1].push(s.payload), { group: 'workers' });
  for (let i = 1; i <= 4; i++) assert.equal(await publisher.signals.publish('orders.eu', `created ${i}`), 2);
  await publisher.signals.publish('orders.eu.x', 'deep');
  await waitFor(() => heard.length === 4 && groupHeard[0].length + groupHeard[1].length === 5, { what: 'the signals' });
  assert.deepEqual(heard.map((s) => [s.channel, s.payload]), [1, 2, 3, 4].map((i) => ['orders.eu', `created ${i}`]));
  assert.ok(groupHeard[0].length >= 2 && groupHeard[1].length >= 2, 'round-robin over the group');
  await sub.unsubscribe();
  assert.equal(await publisher.signals.publish('orders.us', 'after'), 1, 'only the group hears it now');
  await assert.rejects(publisher.signals.publish('orders.*', 'x'), (e) => e.code === 'invalid_argument');
});

test('topics: wildcard subscription gets text, JSON and bytes; queue groups split messages', { timeout: 20000 }, async () => {
  const [sub, m1, m2, pub] = await Promise.all([pool.open(), pool.open(), pool.open(), pool.open()]);
  const got = [];
  const subscription = await sub.topics.subscribe('chat.*', (m) => got.push(m));
  assert.equal(subscription.recovered, true);
  const members = [[], []];
  await m1.topics.subscribe('chat.>', (m) => members[0].push(m), { group: 'g' });
  await m2.topics.subscribe('chat.>', (m) => members[1].push(m), { group: 'g' });
  const result = await pub.topics.publish('chat.lobby', { from: 'ann', text: 'hi' });
  assert.equal(result.delivered, 2);
  await pub.topics.publish('chat.lobby', 'plain');
  await pub.topics.publish('chat.lobby', new Uint8Array([0, 1, 254, 255]));
  await pub.topics.publish('chat.lobby', new Uint8Array([7, 8]).buffer);
  await waitFor(() => got.length === 4 && members[0].length + members[1].length === 4, { what: 'the messages' });
  assert.deepEqual(got[0].payload, { from: 'ann', text: 'hi' });
  assert.equal(got[1].payload, 'plain');
  assert.ok(got[2].payload instanceof Uint8Array);
  assert.deepEqual([...got[2].payload], [0, 1, 254, 255]);
  assert.deepEqual([...got[3].payload], [7, 8]);
  assert.deepEqual(got.map((m) => m.topic), ['chat.lobby', 'chat.lobby', 'chat.lobby', 'chat.lobby']);
  assert.equal(members[0].length, 2);
  assert.equal(members[1].length, 2);
});

test('topics: history, subscribe from an offset, and a lost epoch', { timeout: 20000 }, async () => {
  const [pub, sub] = await Promise.all([pool.open(), pool.open()]);
  const first = await pub.topics.publish('hist.eu', 'order 1');
  await pub.topics.publish('hist.eu', 'order 2');
  await pub.topics.publish('hist.eu', new Uint8Array([3]));
  assert.equal(first.offset, 1);
  const history = await sub.topics.history('hist.eu', { limit: 2 });
  assert.deepEqual(history.messages.map((m) => [m.offset, m.payload]), [[1, 'order 1'], [2, 'order 2']]);
  assert.equal(history.epoch, first.epoch);
  const got = [];
  const subscription = await sub.topics.subscribe('hist.eu', (m) => got.push(m), { since: { offset: 1, epoch: first.epoch } });
  assert.equal(subscription.recovered, true);
  await pub.topics.publish('hist.eu', 'order 4');
  await waitFor(() => got.length === 3, { what: 'backlog then live' });
  assert.deepEqual(got.map((m) => m.offset), [2, 3, 4]);
  assert.deepEqual([...got[1].payload], [3]);
  const other = await pool.open();
  const stale = await other.topics.subscribe('hist.eu', () => {}, { since: { offset: 40, epoch: '0f0f0f0f0f0f0f0f' } });
  assert.equal(stale.recovered, false);
  assert.equal(stale.firstOffset, 1);
});

test('topics: presence counts subscribers, join and leave events come to a watcher', { timeout: 20000 }, async () => {
  const [watcher, member] = await Promise.all([pool.open(), pool.open()]);
  const events = [];
  const watch = await watcher.topics.watchPresence('room.1', {
    onJoin: (e) => events.push(['join', e.peer]),
    onLeave: (e) => events.push(['leave', e.peer]),
  });
  assert.equal(watch.count, 0);
  const sub = await member.topics.subscribe('room.1', () => {});
  const presence = await watcher.topics.presence('room.1', { list: true });
  assert.deepEqual(presence, { count: 1, members: [member.sessionId] });
  await sub.unsubscribe();
  await waitFor(() => events.length === 2, { what: 'join and leave' });
  assert.deepEqual(events, [['join', member.sessionId], ['leave', member.sessionId]]);
  await watch.unwatch();
});

test('rpc: call, application error with code and data, no responders, timeout', { timeout: 20000 }, async () => {
  const [backend, caller] = await Promise.all([pool.open(), pool.open()]);
  const seen = [];
  await backend.rpc.serve('billing.invoice.*', (req) => {
    seen.push(req);
    if (req.payload === 'missing') throw Object.assign(new Error('no invoice'), { code: 'not_found', data: { invoice: 'missing' } });
    if (req.payload === 'bug') throw new TypeError('oops');
    if (req.payload === 'slow') return new Promise(() => {});
    return { invoice: 'inv-7', for: req.payload };
  }, { group: 'billing' });
  assert.deepEqual(await caller.rpc.call('billing.invoice.create', 'ada'), { invoice: 'inv-7', for: 'ada' });
  assert.equal(seen[0].name, 'billing.invoice.create');
  assert.equal(seen[0].caller.session, caller.sessionId);
  await assert.rejects(caller.rpc.call('billing.invoice.get', 'missing'), (e) => {
    assert.ok(e instanceof SwitchboardError);
    assert.deepEqual([e.code, e.message, e.data, e.origin], ['not_found', 'no invoice', { invoice: 'missing' }, 'application']);
    return true;
  });
  await assert.rejects(caller.rpc.call('billing.invoice.get', 'bug'), (e) => e.code === 'handler_failed' && e.origin === 'application');
  await assert.rejects(caller.rpc.call('nobody.home', 'x'), (e) => e.code === 'no_responders' && e.origin === undefined);
  await assert.rejects(caller.rpc.call('billing.invoice.get', 'slow', { timeoutMs: 100 }), (e) => e.code === 'timeout');
  const bytes = await backend.rpc.serve('echo.bytes', (req) => req.payload);
  const echoed = await caller.rpc.call('echo.bytes', new Uint8Array([1, 2, 3]));
  assert.deepEqual([...echoed], [1, 2, 3]);
  await bytes.unserve();
  await assert.rejects(caller.rpc.call('echo.bytes', 'x'), (e) => e.code === 'no_responders');
});

test('rpc: callMany gathers every member, notify reaches a server, streams deliver chunks in order', { timeout: 20000 }, async () => {
  const [a, b, caller] = await Promise.all([pool.open(), pool.open(), pool.open()]);
  await a.rpc.serve('inventory.count', () => 12);
  await b.rpc.serve('inventory.count', () => {
    throw Object.assign(new Error('no a-1 here'), { code: 'not_stocked' });
  });
  const many = await caller.rpc.callMany('inventory.count', { sku: 'a-1' }, { timeoutMs: 5000 });
  assert.equal(many.complete, true);
  const byMember = Object.fromEntries(many.replies.map((r) => [r.member, r]));
  assert.equal(byMember[a.sessionId].payload, 12);
  assert.equal(byMember[b.sessionId].error.code, 'not_stocked');
  const targets = await caller.rpc.callMany(['inventory.count', 'shipping.quote'], 'x', { timeoutMs: 2000, maxReplies: 5 });
  assert.equal(targets.replies.find((r) => r.target === 'shipping.quote').error.code, 'no_responders');

  const notified = [];
  await a.rpc.serve('audit.>', (req) => void notified.push([req.name, req.payload, req.notify]));
  await caller.rpc.notify('audit.login', 'ada', { ack: true });
  await assert.rejects(caller.rpc.notify('nothing.here', 'x', { ack: true }), (e) => e.code === 'no_responders');
  await waitFor(() => notified.length === 1, { what: 'the notify' });
  assert.deepEqual(notified[0], ['audit.login', 'ada', true]);

  await b.rpc.serve('reports.export', async (req) => {
    assert.equal(req.stream, true);
    for (let row = 1; row <= 3; row++) await req.chunk({ row });
    return { rows: 3 };
  });
  const chunks = [];
  const result = await caller.rpc.call('reports.export', 'q3', { onChunk: (c) => chunks.push(c) });
  assert.deepEqual(result, { rows: 3 });
  assert.deepEqual(chunks, [0, 1, 2].map((i) => ({ index: i, payload: { row: i + 1 } })));
});

test('relay: bytes arrive as Uint8Array over binary frames, text and JSON as sent, receipts and unknown peers', { timeout: 20000 }, async () => {
  const [alice, bob] = await Promise.all([pool.open(), pool.open()]);
  const received = [];
  bob.relay.onMessage((m) => received.push(m));
  await alice.relay.send(bob.sessionId, new Uint8Array([0xde, 0xad, 0x00]));
  await alice.relay.send(bob.sessionId, new Uint8Array([1, 2]).buffer);
  await alice.relay.send(bob.sessionId, 'hello bob');
  await alice.relay.send(bob.sessionId, { hello: 'bob' });
  assert.equal(await alice.relay.sendWithReceipt(bob.sessionId, new Uint8Array([9])), 'acknowledged');
  await waitFor(() => received.length === 5, { what: 'five relay messages' });
  assert.ok(received.every((m) => m.from === alice.sessionId));
  assert.ok(received[0].payload instanceof Uint8Array);
  assert.deepEqual([...received[0].payload], [0xde, 0xad, 0x00]);
  assert.deepEqual([...received[1].payload], [1, 2]);
  assert.equal(received[2].payload, 'hello bob');
  assert.deepEqual(received[3].payload, { hello: 'bob' });
  assert.ok(received[4].ackId);
  const seqs = received.map((m) => m.seq);
  assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y));
  await assert.rejects(alice.relay.send('nobody', 'x'), (e) => e.code === 'peer_not_found');
});

test('presence: a pattern watch sees peers come online and go offline', { timeout: 20000 }, async () => {
  const watcher = await pool.open();
  const changes = [];
  const watch = await watcher.presence.watch({ pattern: '>' }, (c) => changes.push(c));
  assert.ok(watch.online.has(watcher.sessionId));
  const peer = await pool.open();
  await waitFor(() => watch.online.has(peer.sessionId), { what: 'the peer online' });
  await peer.close();
  await waitFor(() => !watch.online.has(peer.sessionId), { what: 'the peer offline' });
  assert.ok(changes.some((c) => c.online.includes(peer.sessionId)));
  assert.ok(changes.some((c) => c.offline.includes(peer.sessionId)));
  const listed = await watcher.presence.watch({ peers: [peer.sessionId, watcher.sessionId] });
  assert.deepEqual([...listed.online], [watcher.sessionId]);
  await watch.unwatch();
  await listed.unwatch();
});

test('session: attributes are set, read back and refused for server.* keys', { timeout: 20000 }, async () => {
  const a = await pool.open();
  const info = await a.session.set({ user: 'ada', tab: '2' });
  assert.deepEqual(info.attributes, { user: 'ada', tab: '2' });
  assert.equal(info.session, a.sessionId);
  assert.equal(info.transport, 'ws');
  await a.session.set({ tab: null });
  assert.deepEqual((await a.session.info()).attributes, { user: 'ada' });
  await assert.rejects(a.session.set({ 'server.role': 'admin' }), (e) => e.code === 'invalid_argument');
  assert.ok((await a.ping()) >= 0);
  assert.equal(typeof (await a.stats()).connections, 'number');
});
