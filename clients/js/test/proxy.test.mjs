// The test proxy itself: a process that used it must be able to exit. A cut that lands while the
// proxy is passing a FIN on once left a socket whose close never completed, and Node then spins
// at exit for ever (connection.test.mjs hung so under load).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { boundTestFile } from './support/bound.mjs';

boundTestFile();

const script = fileURLToPath(new URL('./support/proxy-cut-after-end.mjs', import.meta.url));

test('a process exits by itself after the proxy was cut while passing a FIN on', { timeout: 30000 }, async () => {
  const outcome = await new Promise((resolve) => {
    execFile(process.execPath, [script], { timeout: 20000, killSignal: 'SIGKILL' }, (error, stdout, stderr) =>
      resolve({ code: error ? error.code : 0, signal: error?.signal ?? null, stdout, stderr }));
  });
  assert.equal(outcome.signal, null, `the process did not exit within 20 s (killed); stderr: ${outcome.stderr}`);
  assert.equal(outcome.code, 0, outcome.stderr);
  assert.match(outcome.stdout, /cut after end: true/, 'the cut landed right after the proxy ended a socket');
});
