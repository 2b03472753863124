import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './support/server.mjs';
import { boundTestFile } from './support/bound.mjs';

boundTestFile();

test('the test launcher starts a real server that answers /ready and stops it; stopping twice returns', { timeout: 60000 }, async () => {
  const server = await startServer();
  try {
    const res = await fetch(`${server.url}/ready`);
    assert.equal(res.status, 200);
    assert.equal(server.exited, false);
  } finally {
    await server.stop();
  }
  await assert.rejects(fetch(`${server.url}/ready`));
  assert.equal(server.exited, true);
  // Killed by SIGKILL, the process has no exit code (only a signal): stop() again must not wait for an exit that came already.
  const again = server.stop();
  const bound = new Promise((_, reject) => setTimeout(() => reject(new Error('a second stop() hung')), 5000).unref());
  await Promise.race([again, bound]);
});
