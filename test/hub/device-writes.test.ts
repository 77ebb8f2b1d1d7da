import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Logger, LogFields } from '../../compiler/format/logger.ts';
import { DeviceWrites } from '../../hub/device-writes.ts';
import { HubDatabase } from '../../hub/hub-database.ts';
import { scratchDir } from '../support/paths.ts';

// Sessions' device updates are written a turn of the event loop at a time: they land in order
// in one commit, and a database that fails under them is logged, never a crash of the hub.

let root: string;
let cleanup: () => Promise<void>;
before(async () => {
  ({ path: root, cleanup } = await scratchDir('device-writes'));
});
after(() => cleanup());

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

class RecordingLogger implements Logger {
  readonly errors: { message: string; fields: LogFields }[] = [];
  info(): void {}
  warn(): void {}
  error(message: string, fields: LogFields = {}): void {
    this.errors.push({ message, fields });
  }
}

test('queued activations land in order on the next turn; a failing database is logged and the hub goes on', async () => {
  const db = HubDatabase.open(join(root, 'hub.sqlite'));
  const logger = new RecordingLogger();
  const writes = new DeviceWrites(db, logger);
  db.preapproveDevice({ id: 'dev-1', publicKeyPem: 'pem', screenId: 'ubnd-sanh', atMs: 1 });
  writes.activated({ id: 'dev-1', bundleId: 'a'.repeat(64), atMs: 10 });
  writes.activated({ id: 'dev-1', bundleId: 'b'.repeat(64), atMs: 11 });
  assert.equal(db.device('dev-1')?.currentBundleId, null, 'not written in the same turn');
  await nextTurn();
  assert.equal(db.device('dev-1')?.currentBundleId, 'b'.repeat(64), 'both written, the later one last');

  db.close();
  writes.activated({ id: 'dev-1', bundleId: 'c'.repeat(64), atMs: 12 });
  await nextTurn(); // a throw here would be an uncaught exception: the test run would fail
  assert.equal(logger.errors.length, 1);
  assert.equal(logger.errors[0]!.fields.updates, 1);

  writes.close();
  writes.activated({ id: 'dev-1', bundleId: 'd'.repeat(64), atMs: 13 });
  await nextTurn();
  assert.equal(logger.errors.length, 1, 'after close() nothing more is written or tried');
});
