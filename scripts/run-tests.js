// Runs every test file with Node's test runner. Node 20's `--test` does not expand globs, so
// the files are listed here: *.test.ts under the source folders and test/.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const FOLDERS = ['compiler', 'layouts', 'hub', 'player', 'bin', 'test'];

function collect(dir, files) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return files;
  }
  for (const entry of entries) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) collect(path, files);
    else if (entry.name.endsWith('.test.ts')) files.push(relative(root, path));
  }
  return files;
}

const only = process.argv.slice(2);
const files = only.length > 0 ? only : FOLDERS.flatMap((folder) => collect(join(root, folder), [])).sort();
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
