// `npm run embed`: copies the client's build into the server's admin dashboard
// (switchboard-server/src/main/resources/web/admin/client/), which imports it from
// /admin/client/index.js. Only the modules dist/index.js reaches are copied (no .d.ts, no stale
// file tsc left behind from a source since deleted), and the folder is emptied first, so that it
// holds exactly the build. test/browser/embedded-client.test.mjs fails when the checked-in copy
// differs from a fresh build.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const DIST = path.resolve(here, '../dist');
export const EMBED_DIR = path.resolve(here, '../../../switchboard-server/src/main/resources/web/admin/client');

// Relative specifiers of static imports and re-exports (`import … from './x.js'`, `export * from`,
// `import './x.js'`) in tsc's output; type-only imports are gone from it.
const RELATIVE_IMPORT = /(?:^|[;\s])(?:import|export)\s*(?:[^'";]*?\sfrom\s*)?['"](\.{1,2}\/[^'"]+)['"]/g;

/** The files (paths relative to `root`, with '/') that `entry` reaches through relative imports, sorted. */
export function reachableModules(root = DIST, entry = 'index.js') {
  const seen = new Set();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop();
    if (seen.has(file)) continue;
    const full = path.join(root, file);
    if (!fs.existsSync(full)) throw new Error(`${full} is missing: run \`npm run build\` first`);
    seen.add(file);
    const source = fs.readFileSync(full, 'utf8');
    for (const m of source.matchAll(RELATIVE_IMPORT)) {
      pending.push(path.posix.normalize(path.posix.join(path.posix.dirname(file), m[1])));
    }
  }
  return [...seen].sort();
}

/** Every .js file under `dir` (relative paths with '/'), sorted; [] when it does not exist. */
export function jsFilesUnder(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true })
    .map((f) => f.split(path.sep).join('/'))
    .filter((f) => f.endsWith('.js'))
    .sort();
}

function embed() {
  const modules = reachableModules();
  fs.rmSync(EMBED_DIR, { recursive: true, force: true });
  for (const file of modules) {
    const target = path.join(EMBED_DIR, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(path.join(DIST, file), target);
  }
  console.log(`copied ${modules.length} modules of dist/ into ${path.relative(process.cwd(), EMBED_DIR)}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) embed();
