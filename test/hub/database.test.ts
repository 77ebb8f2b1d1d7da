import assert from 'node:assert/strict';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { HUB_DATABASE_VERSION, HubDatabase, HubDatabaseForeignError, HubDatabaseTooNewError } from '../../hub/hub-database.ts';
import { startHub } from '../../hub/hub-server.ts';
import { scratchDir } from '../support/paths.ts';
import { stationPublicKey } from './hub-fixture.ts';

// The hub's database is versioned: an older hub must not write to a file a newer one has
// migrated (it would not know what its columns mean), and a file that is not a hub database
// is not turned into one.

let root: string;
let cleanup: () => Promise<void>;
let files = 0;
const freshPath = (): string => join(root, `hub-${++files}.sqlite`);

before(async () => {
  ({ path: root, cleanup } = await scratchDir('hub-db'));
});
after(() => cleanup());

function pragma(path: string, name: string): unknown {
  const raw = new Database(path, { readonly: true });
  try {
    return raw.pragma(name, { simple: true });
  } finally {
    raw.close();
  }
}

test('a new database is migrated to the current version in WAL mode, and keeps its data across opens', () => {
  const path = freshPath();
  const db = HubDatabase.open(path);
  db.preapproveDevice({ id: '0123456789abcdef', publicKeyPem: 'pem', screenId: 'ubnd-sanh', atMs: 1 });
  db.close();
  assert.equal(pragma(path, 'user_version'), HUB_DATABASE_VERSION);
  assert.equal(pragma(path, 'journal_mode'), 'wal');
  const again = HubDatabase.open(path);
  assert.equal(again.device('0123456789abcdef')?.state, 'approved');
  again.close();
});

test('a database written by a newer hub is refused with a named error and left unchanged', async () => {
  const path = freshPath();
  HubDatabase.open(path).close();
  const raw = new Database(path);
  raw.pragma(`user_version = ${HUB_DATABASE_VERSION + 1}`);
  raw.close();
  assert.throws(
    () => HubDatabase.open(path),
    (error: unknown) => error instanceof HubDatabaseTooNewError && error.code === 'HUB_DATABASE_TOO_NEW' && error.foundVersion === HUB_DATABASE_VERSION + 1 && /newer hub/.test(error.message),
  );
  assert.equal(pragma(path, 'user_version'), HUB_DATABASE_VERSION + 1);
  // The server refuses to start on it too, rather than serving from a half-understood file.
  const dataDir = join(root, 'newer');
  await mkdir(dataDir);
  await copyFile(path, join(dataDir, 'hub.sqlite'));
  await assert.rejects(startHub({ dataDir, port: 0, stationPublicKey }), HubDatabaseTooNewError);
});

test('an SQLite file that is not a hub database is refused', () => {
  const path = freshPath();
  const raw = new Database(path);
  raw.exec('CREATE TABLE bundles (id TEXT)'); // say, a player's cache
  raw.close();
  assert.throws(() => HubDatabase.open(path), HubDatabaseForeignError);
});
