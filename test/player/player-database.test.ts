import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { loadOrCreateDeviceIdentity } from '../../player/core/device-identity.ts';
import { openPlayerDatabase, PLAYER_MIGRATIONS, PlayerDatabaseTooNewError, schemaVersion } from '../../player/core/player-database.ts';
import { scratchDir } from '../support/paths.ts';

// The database is the player's memory across power cuts: it must open in a crash-safe mode,
// migrate forward in steps that are all-or-nothing, and refuse a file from a newer player
// without touching it.

let root: string;
let cleanup: () => Promise<void>;
before(async () => ({ path: root, cleanup } = await scratchDir('player-db')));
after(() => cleanup());

test('a new database gets the whole schema, WAL and synchronous=FULL', () => {
  const db = openPlayerDatabase({ path: join(root, 'fresh.sqlite') });
  try {
    assert.equal(schemaVersion(db), PLAYER_MIGRATIONS.length);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('synchronous', { simple: true }), 2, 'FULL is 2');
    assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all().map((row) => (row as { name: string }).name);
    for (const table of ['blob_chunks', 'blob_downloads', 'blobs', 'bundle_blobs', 'bundles', 'device_identity', 'kv', 'plays']) assert.ok(tables.includes(table), table);
  } finally {
    db.close();
  }
});

test('reopening an up-to-date database changes nothing and keeps the device identity', () => {
  const path = join(root, 'reopen.sqlite');
  const first = openPlayerDatabase({ path });
  const identity = loadOrCreateDeviceIdentity(first, 1);
  first.close();
  const second = openPlayerDatabase({ path });
  try {
    assert.equal(schemaVersion(second), PLAYER_MIGRATIONS.length);
    assert.equal(loadOrCreateDeviceIdentity(second, 2).deviceId, identity.deviceId);
    assert.match(identity.deviceId, /^[0-9a-f]{16}$/);
  } finally {
    second.close();
  }
});

test('migrations run in order, each with its version bump in one transaction', () => {
  const path = join(root, 'steps.sqlite');
  const v1 = openPlayerDatabase({ path, migrations: PLAYER_MIGRATIONS.slice(0, 1) });
  v1.prepare("INSERT INTO kv (key, value) VALUES ('kept', 'yes')").run();
  v1.close();
  const added = [...PLAYER_MIGRATIONS.slice(0, 1), 'ALTER TABLE kv ADD COLUMN note TEXT', (db: Database.Database) => db.exec("UPDATE kv SET note = 'migrated'")];
  const v3 = openPlayerDatabase({ path, migrations: added });
  try {
    assert.equal(schemaVersion(v3), 3);
    assert.deepEqual(v3.prepare('SELECT key, value, note FROM kv').get(), { key: 'kept', value: 'yes', note: 'migrated' });
  } finally {
    v3.close();
  }
});

test('a migration that fails leaves the previous version and data intact', () => {
  const path = join(root, 'failing.sqlite');
  openPlayerDatabase({ path, migrations: PLAYER_MIGRATIONS.slice(0, 1) }).close();
  const broken = [...PLAYER_MIGRATIONS.slice(0, 1), 'CREATE TABLE half_done (x INTEGER); SELECT * FROM no_such_table'];
  assert.throws(() => openPlayerDatabase({ path, migrations: broken }), /no_such_table/);
  const db = new Database(path, { readonly: true });
  try {
    assert.equal(schemaVersion(db), 1);
    assert.deepEqual(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'half_done'").get(), { n: 0 });
  } finally {
    db.close();
  }
});

test('a database from a newer player is refused with a named error and left byte-for-byte untouched', async () => {
  const path = join(root, 'newer.sqlite');
  const raw = new Database(path);
  raw.pragma(`user_version = ${PLAYER_MIGRATIONS.length + 1}`);
  raw.exec('CREATE TABLE future (x INTEGER)');
  raw.close();
  const before = await readFile(path);
  assert.throws(
    () => openPlayerDatabase({ path }),
    (error: unknown) =>
      error instanceof PlayerDatabaseTooNewError &&
      error.foundVersion === PLAYER_MIGRATIONS.length + 1 &&
      error.supportedVersion === PLAYER_MIGRATIONS.length &&
      /newer player/.test(error.message),
  );
  assert.deepEqual(await readFile(path), before);
});
