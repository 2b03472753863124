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
  });
}
