import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './support/server.mjs';

test('the test launcher starts a real server that answers /ready and stops it', { timeout: 60000 }, async () => {
  const server = await startServer();
  try {
    const res = await fetch(`${server.url}/ready`);
    assert.equal(res.status, 200);
  } finally {
    await server.stop();
  }
  await assert.rejects(fetch(`${server.url}/ready`));
});
