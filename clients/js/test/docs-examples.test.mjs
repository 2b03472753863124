// Runs every ```js example of docs/clients.md as its own Node process against a real server, and
// checks that it prints exactly the lines its `// prints: ...` comments say, in order: the page
// shows only code that works. The examples import 'switchboard-client'; here that is the build
// in ../dist.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from './support/server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const DOC = path.resolve(here, '../../../docs/clients.md');
const CLIENT = pathToFileURL(path.resolve(here, '../dist/index.js')).href;
// The server the page tells the reader to start (docs/clients.md, "Running the examples").
const SERVER_OPTIONS = ['--auth-token', 'demo-token', '--admin-token', 'demo-admin', '--topic-history', 'news.>=100'];
const EXAMPLE_TIMEOUT_MS = 20_000;

/** The ```js blocks of the page, each with its line number and the output its comments promise. */
function examplesOf(markdown) {
  const examples = [];
  const fence = /^```js\n([\s\S]*?)^```$/gm;
  for (let m; (m = fence.exec(markdown)); ) {
    const code = m[1];
    const line = markdown.slice(0, m.index).split('\n').length;
    const expected = [...code.matchAll(/\/\/ prints: (.*)$/gm)].map((p) => p[1]);
    examples.push({ line, code, expected });
  }
  return examples;
}

function run(code, env) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-doc-example-'));
  const file = path.join(dir, 'example.mjs');
  fs.writeFileSync(file, code.replaceAll("from 'switchboard-client'", `from '${CLIENT}'`));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--experimental-websocket', '--no-warnings', file], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), EXAMPLE_TIMEOUT_MS);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      fs.rmSync(dir, { recursive: true, force: true });
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const examples = examplesOf(fs.readFileSync(DOC, 'utf8'));
let server;

before(async () => {
  server = await startServer(SERVER_OPTIONS);
});

after(async () => {
  await server?.stop();
});

test('the page has JavaScript examples, each promising some output', () => {
  assert.ok(examples.length >= 7, `only ${examples.length} js blocks in docs/clients.md`);
  for (const e of examples) {
    assert.match(e.code, /from 'switchboard-client'/, `the block at line ${e.line} imports the client`);
    assert.ok(e.expected.length > 0, `the block at line ${e.line} has no "// prints:" line`);
  }
});

for (const example of examples) {
  test(`docs/clients.md line ${example.line} prints what it says`, { timeout: EXAMPLE_TIMEOUT_MS + 5000 }, async () => {
    const { code, signal, stdout, stderr } = await run(example.code, { SB_URL: server.url });
    assert.equal(signal, null, `killed after ${EXAMPLE_TIMEOUT_MS} ms; stdout:\n${stdout}\nstderr:\n${stderr}`);
    assert.equal(code, 0, `exit ${code}; stderr:\n${stderr}`);
    assert.deepEqual(stdout.trimEnd().split('\n'), example.expected, `stderr:\n${stderr}`);
  });
}
