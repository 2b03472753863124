import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './support/server.mjs';
import { mintToken } from './support/tokens.mjs';
import { waitFor, nextEvent } from './support/wait.mjs';
import { Client, SwitchboardError } from '../dist/index.js';
import { boundTestFile } from './support/bound.mjs';

boundTestFile();

const SECRET = 'a-secret-for-the-js-client-tests-0123456789';
let server;
before(async () => {
  // A grace of 2 s after each expiry: on a loaded machine the refresh, sent 0.3 s before the
  // expiry, may take longer than that to be read.
  server = await startServer(['--token-secret', SECRET, '--token-expiry-grace', '2']);
});
after(() => server.stop());

test('token: on token.expiring the client asks getToken and refreshes, and the session outlives the first token', { timeout: 20000 }, async () => {
  const tokens = [];
  const client = new Client({
    url: server.url,
    // The first token lives 3-4 s (exp is in whole seconds), so the warning comes 0.3-0.4 s
    // ahead (10% of its life); the refresh gets an hour.
    getToken: () => {
      const token = mintToken(SECRET, 'alice', tokens.length === 0 ? 4 : 3600);
      tokens.push(token);
      return token;
    },
  });
  await client.connect();
  try {
    const firstExpiry = JSON.parse(Buffer.from(tokens[0].split('.')[1], 'base64url')).exp * 1000;
    const refreshed = await nextEvent(client, 'token.refreshed', 6000);
    assert.equal(tokens.length, 2, 'getToken asked at connect and on token.expiring');
    assert.ok(refreshed.expiresAt > Date.now() + 3000 * 1000, 'the new expiry is the refreshed token\'s');
    await waitFor(() => Date.now() > firstExpiry + 2300, { timeoutMs: 8000, what: 'the first token and its grace to run out' });
    assert.ok((await client.ping()) >= 0);
    assert.equal(client.state, 'connected');
    // The peer id is the token's subject: another session can relay to it by name.
    const other = new Client({ url: server.url, token: mintToken(SECRET, 'bob', 60) });
    await other.connect();
    const got = new Promise((resolve) => client.relay.onMessage(resolve));
    await other.relay.send('alice', 'hi alice');
    assert.equal((await got).from, 'bob');
    await other.close();
  } finally {
    await client.close();
  }
});

test('token: without a refresh the session ends with token_expired and the client does not reconnect', { timeout: 20000 }, async () => {
  const holder = new Client({ url: server.url, token: mintToken(SECRET, 'dave', 60) });
  await holder.connect();
  try {
    await holder.locks.acquire('carols-wait');
    const client = new Client({ url: server.url, token: mintToken(SECRET, 'carol', 2), reconnect: { initialDelayMs: 10, maxDelayMs: 50 } });
    let disconnects = 0;
    client.on('disconnected', () => disconnects++);
    const closed = nextEvent(client, 'closed', 8000);
    await client.connect();
    // A call still waiting when the session ends settles with the server's code (the server
    // answers the session's waits `session_closed`, then sends the `token_expired` event).
    const pending = client.locks.acquire('carols-wait', { timeoutMs: 10000 }).catch((e) => e);
    assert.equal((await closed).error.code, 'token_expired');
    const settled = await pending;
    assert.ok(settled instanceof SwitchboardError);
    assert.ok(['session_closed', 'token_expired'].includes(settled.code), settled.code);
    assert.equal(disconnects, 0);
    assert.equal(client.state, 'closed');
  } finally {
    await holder.close();
  }
});

test('token: a bad or expired token is refused unauthorized at connect, and the client is closed', { timeout: 20000 }, async () => {
  for (const token of ['not-a-token', mintToken(SECRET, 'erin', -10), mintToken('another-secret-of-at-least-32-bytes!!', 'erin', 60)]) {
    const client = new Client({ url: server.url, token });
    await assert.rejects(client.connect(), (e) => e instanceof SwitchboardError && e.code === 'unauthorized');
    assert.equal(client.state, 'closed');
  }
});
