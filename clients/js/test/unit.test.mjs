import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, SequenceTracker, SwitchboardError, subjectMatches, webSocketUrl } from '../dist/index.js';
import { encodeEnvelope, decodeBinaryFrame } from '../dist/binary.js';
import { readPayload, payloadFields } from '../dist/payload.js';
import { isFatal } from '../dist/errors.js';
import { boundTestFile } from './support/bound.mjs';

boundTestFile();

const options = { initialDelayMs: 100, maxDelayMs: 1000 };

test('backoff: full jitter stays in [0, min(max, initial * 2^attempt))', { timeout: 5000 }, () => {
  for (let attempt = 0; attempt < 40; attempt++) {
    const ceiling = Math.min(1000, 100 * 2 ** attempt);
    assert.equal(backoffDelay(attempt, options, () => 0), 0);
    assert.ok(backoffDelay(attempt, options, () => 0.999999) < ceiling);
    assert.ok(backoffDelay(attempt, options, () => 0.999999) >= ceiling - 1);
    for (let i = 0; i < 50; i++) {
      const d = backoffDelay(attempt, options);
      assert.ok(d >= 0 && d < ceiling, `attempt ${attempt}: ${d} outside [0, ${ceiling})`);
    }
  }
});

test('backoff: the ceiling doubles per attempt until the cap', { timeout: 5000 }, () => {
  const half = (attempt) => backoffDelay(attempt, options, () => 0.5);
  assert.deepEqual([0, 1, 2, 3, 4, 5, 10].map(half), [50, 100, 200, 400, 500, 500, 500]);
});

test('sequence tracker: accepts only seqs above the newest (duplicates and replays dropped)', { timeout: 5000 }, () => {
  const seq = new SequenceTracker();
  const accepted = [1, 2, 2, 3, 1, 5, 4, 5, 6].filter((n) => seq.accept(n));
  assert.deepEqual(accepted, [1, 2, 3, 5, 6]);
  assert.equal(seq.last, 6);
});

test('errors: the wire error maps to a typed SwitchboardError', { timeout: 5000 }, () => {
  const e = SwitchboardError.fromWire({ code: 'not_found', message: 'no invoice', data: { id: 8 }, origin: 'application' }, 404);
  assert.ok(e instanceof Error);
  assert.ok(e instanceof SwitchboardError);
  assert.equal(e.name, 'SwitchboardError');
  assert.equal(e.code, 'not_found');
  assert.equal(e.message, 'no invoice');
  assert.deepEqual(e.data, { id: 8 });
  assert.equal(e.origin, 'application');
  assert.equal(e.status, 404);
  const junk = SwitchboardError.fromWire('nonsense');
  assert.equal(junk.code, 'internal');
  assert.equal(junk.status, undefined);
});

test('errors: fatal codes stop reconnecting, transient ones do not', { timeout: 5000 }, () => {
  for (const code of ['unauthorized', 'session_closed', 'session_not_found', 'replaced', 'token_expired']) assert.ok(isFatal(code), code);
  for (const code of ['disconnected', 'heartbeat_timeout', 'slow_consumer', 'draining', undefined]) assert.ok(!isFatal(code), String(code));
});

test('subjects: * is one token, > one or more trailing tokens', { timeout: 5000 }, () => {
  const rows = [
    ['orders.eu', 'orders.eu', true], ['orders.eu', 'orders.eu.x', false], ['orders.*', 'orders.us', true],
    ['orders.*', 'orders', false], ['orders.*', 'orders.eu.x', false], ['orders.>', 'orders.eu.x.y', true],
    ['orders.>', 'orders', false], ['*.created', 'orders.created', true], ['*.created', 'orders.eu.created', false],
    ['>', 'anything.at.all', true],
  ];
  for (const [pattern, subject, expected] of rows) assert.equal(subjectMatches(pattern, subject), expected, `${pattern} ~ ${subject}`);
});

test('binary: an envelope round-trips its header and bytes; a relay MESSAGE frame decodes', { timeout: 5000 }, () => {
  const frame = encodeEnvelope({ op: 'message', topic: 't', seq: 3 }, new Uint8Array([0, 255, 7]));
  assert.equal(frame[0], 0);
  const msg = decodeBinaryFrame(frame);
  assert.equal(msg.op, 'message');
  assert.equal(msg.seq, 3);
  assert.deepEqual([...readPayload(msg)], [0, 255, 7]);
  // The example of docs/relay.md: bob gets de ad 00 from team.alice as his event 7.
  const relay = Uint8Array.from([0x01, 0x02, 0x0a, ...Buffer.from('team.alice'), 0, 0, 0, 0, 0, 0, 0, 7, 0xde, 0xad, 0x00]);
  const message = decodeBinaryFrame(relay);
  assert.equal(message.op, 'relay.message');
  assert.equal(message.from, 'team.alice');
  assert.equal(message.seq, 7);
  assert.deepEqual([...readPayload(message)], [0xde, 0xad, 0x00]);
  assert.throws(() => decodeBinaryFrame(Uint8Array.from([9, 9, 9])));
  assert.throws(() => decodeBinaryFrame(Uint8Array.from([0, 0, 0, 0, 50, 1])));
});

test('payloads: bytes travel as payload_b64, everything else as payload', { timeout: 5000 }, () => {
  assert.deepEqual(payloadFields(new Uint8Array([0x89, 0x50])), { payload_b64: 'iVA=' });
  assert.deepEqual(payloadFields(new Uint8Array([1]).buffer), { payload_b64: 'AQ==' });
  assert.deepEqual(payloadFields({ a: 1 }), { payload: { a: 1 } });
  assert.deepEqual(payloadFields('text'), { payload: 'text' });
  assert.deepEqual([...readPayload({ op: 'x', payload_b64: 'iVBORw0KGgo=' })], [137, 80, 78, 71, 13, 10, 26, 10]);
});

test('websocket url: a server URL maps to /api/v1/ws, a ws URL is kept', { timeout: 5000 }, () => {
  assert.equal(webSocketUrl('http://127.0.0.1:6388'), 'ws://127.0.0.1:6388/api/v1/ws');
  assert.equal(webSocketUrl('https://example.org/'), 'wss://example.org/api/v1/ws');
  assert.equal(webSocketUrl('ws://h:1/custom'), 'ws://h:1/custom');
});
