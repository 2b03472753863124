// The dashboard imports the client from the server's resources (web/admin/client/, copied by
// `npm run embed`): that checked-in copy must be exactly the current build, or the dashboard
// would run another client than the one tested here.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { DIST, EMBED_DIR, jsFilesUnder, reachableModules } from '../../scripts/embed.mjs';

test('the client embedded in the dashboard is the current build', { timeout: 10_000 }, () => {
  const built = reachableModules(DIST);
  assert.ok(built.includes('admin.js') && built.includes('transports/websocket.js'), `unexpected build: ${built}`);
  const embedded = jsFilesUnder(EMBED_DIR);
  const stale = [
    ...built.filter((f) => !embedded.includes(f)).map((f) => `missing ${f}`),
    ...embedded.filter((f) => !built.includes(f)).map((f) => `not in the build ${f}`),
    ...built.filter((f) => embedded.includes(f)
      && !fs.readFileSync(path.join(DIST, f)).equals(fs.readFileSync(path.join(EMBED_DIR, f)))).map((f) => `differs ${f}`),
  ];
  assert.deepEqual(stale, [], `${EMBED_DIR} is not the current build of the client: run \`npm run embed\` in clients/js and commit it`);
});
