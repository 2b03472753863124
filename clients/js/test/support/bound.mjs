// Bounds a test file in time, so a hang fails fast instead of blocking CI: node:test bounds each
// test (its `timeout`), but not hooks, nor a process that stays alive after its last test because
// something (a reconnecting client's timer, an open socket, a server child) still holds the event
// loop. The timers here are unref'd: they never keep the process alive themselves.
import { after } from 'node:test';

function report(why) {
  const handles = process._getActiveHandles?.().map((h) => h?.constructor?.name ?? typeof h) ?? [];
  process.stderr.write(`${why}; still alive: ${JSON.stringify(handles)}\n`);
  process.exit(1);
}

/**
 * Fails the file (exit 1, naming what is still alive) when it runs longer than `fileMs` in all,
 * or when its process is still alive `exitMs` after its tests and `after` hooks started finishing.
 * Call once, at the top of the file, before its own hooks.
 */
export function boundTestFile(fileMs = 120_000, exitMs = 15_000) {
  setTimeout(() => report(`the test file ran longer than ${fileMs} ms`), fileMs).unref();
  after(() => {
    setTimeout(() => report(`the test file did not exit within ${exitMs} ms of its last test`), exitMs).unref();
    // Registered here, after every module's own 'exit' listeners (server.mjs kills its servers in one).
    process.once('exit', exitWithoutHandleCleanup);
  });
}

/**
 * Once the event loop is empty and 'exit' has run, Node still closes every libuv handle left and
 * waits for each close (FreeEnvironment → CleanupHandles). A handle whose close never completes
 * makes that wait spin for ever at full CPU, where no JS timer can fire: connection.test.mjs hung
 * so once, a process with no JS left to run, no child and no TCP connection, spinning in uv_run
 * under CleanupHandles (seen with perf). The cause was the test proxy resetting a socket whose
 * end() was under way (see drop() in proxy.mjs; proxy.test.mjs reproduces it); this stays as a
 * safety net. Exiting from the 'exit' event skips that cleanup, which a test process does not
 * need (the OS frees everything); the handles still open are named first.
 */
function describe(handle) {
  const name = handle?.constructor?.name ?? typeof handle;
  if (name !== 'Socket') return name;
  return `Socket(${handle.localPort ?? '?'}→${handle.remotePort ?? '?'}, ${handle.destroyed ? 'destroyed' : handle.readyState})`;
}

function exitWithoutHandleCleanup(code) {
  const std = new Set([process.stdin, process.stdout, process.stderr]);
  const left = (process._getActiveHandles?.() ?? []).filter((h) => !std.has(h));
  if (left.length > 0) {
    process.stderr.write(`# exiting with handles still open: ${left.map(describe).join(', ')}\n`);
  }
  process.exit(code);
}
