// Starts a real Switchboard server for the client's tests: the jar built by
// `mvn -q -DskipTests package` (or $SWITCHBOARD_JAR), on a free loopback port chosen by the
// server itself (--port 0), read back from its "started on" log line.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import fs from 'node:fs';

const here = path.dirname(fileURLToPath(import.meta.url));
const defaultJar = path.resolve(here, '../../../../switchboard-server/target/switchboard.jar');
const live = new Set();

process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** A process killed by a signal keeps `exitCode` null: its `signalCode` says it is gone. */
function hasExited(child) {
  return child.exitCode !== null || child.signalCode !== null;
}

/**
 * Starts a server with the given extra command-line options.
 * Resolves with { url, wsUrl, port, host, stop(), log() } once /ready answers 200.
 */
export async function startServer(options = [], { startTimeoutMs = 30000 } = {}) {
  const jar = process.env.SWITCHBOARD_JAR ?? defaultJar;
  if (!fs.existsSync(jar)) {
    throw new Error(`${jar} is missing: build it with (cd ../.. && mvn -q -DskipTests package)`);
  }
  const child = spawn('java', ['-Xmx256m', '-XX:TieredStopAtLevel=1', '-jar', jar,
    '--host', '127.0.0.1', '--port', '0', ...options], { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let output = '';
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within ${startTimeoutMs} ms:\n${output}`)),
      startTimeoutMs);
    const onData = (chunk) => {
      output += chunk;
      if (output.length > 1 << 20) output = output.slice(-(1 << 19));
      const m = /started on \/?[^:\s]*:(\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before starting:\n${output}`));
    });
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    try {
      const res = await fetch(`${url}/ready`);
      if (res.status === 200) break;
    } catch {
      // not accepting yet
    }
    if (Date.now() > deadline) throw new Error(`server at ${url} not ready:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    wsUrl: `ws://127.0.0.1:${port}/api/v1/ws`,
    host: '127.0.0.1',
    port,
    log: () => output,
    /** Kills the server (SIGKILL) and waits for it to exit; a second call, or a server that died on its own, returns at once. */
    async stop() {
      if (!hasExited(child)) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
      }
      live.delete(child);
    },
    /** Whether the server process has ended (by itself, or stopped). */
    get exited() {
      return hasExited(child);
    },
  };
}
