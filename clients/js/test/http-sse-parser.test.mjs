import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SseParser } from '../dist/transports/sse-parser.js';
import { boundTestFile } from './support/bound.mjs';

boundTestFile();

function parse(chunks) {
  const events = [];
  const retries = [];
  const p = new SseParser((e) => events.push(e), (ms) => retries.push(ms));
  for (const c of chunks) p.push(c);
  return { events, retries };
}

const stream = 'retry: 1000\n\n: ping\n\nid: 2\nevent: signal\ndata: {"op":"signal","seq":2}\n\nevent: gap\ndata: {"op":"gap"}\n\n';

test('parses the server stream: retry, comments, ids, event names, data', { timeout: 5000 }, () => {
  const { events, retries } = parse([stream]);
  assert.deepEqual(retries, [1000]);
  assert.deepEqual(events, [
    { event: 'signal', data: '{"op":"signal","seq":2}', id: '2' },
    { event: 'gap', data: '{"op":"gap"}', id: '2' },
  ]);
});

test('gives the same events whatever the chunks, with LF, CRLF or CR line ends', { timeout: 5000 }, () => {
  const whole = parse([stream]).events;
  for (const ending of ['\n', '\r\n', '\r']) {
    // A CR last in what has arrived may be the first half of a CRLF: the next line settles it.
    const text = (stream + ': more\n').replaceAll('\n', ending);
    for (let size = 1; size <= 7; size++) {
      const chunks = [];
      for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
      assert.deepEqual(parse(chunks).events, whole, `line end ${JSON.stringify(ending)}, chunks of ${size}`);
    }
  }
});

test('joins data lines with a line feed and ignores events without data', { timeout: 5000 }, () => {
  const { events } = parse(['event: x\n\ndata: a\ndata:b\nunknown: 1\n\n']);
  assert.deepEqual(events, [{ event: 'message', data: 'a\nb' }]);
});
