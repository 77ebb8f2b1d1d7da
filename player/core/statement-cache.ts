import type { PlayerDatabase } from './player-database.ts';

// better-sqlite3 compiles a statement on every db.prepare(). A download runs a handful of
// statements per chunk and an activation dozens, so each store compiles each SQL text once.

/** db.prepare, compiled once per SQL text for the life of the returned function. */
export function preparedOnce(db: PlayerDatabase): PlayerDatabase['prepare'] {
  const statements = new Map<string, ReturnType<PlayerDatabase['prepare']>>();
  return ((source: string) => {
    let statement = statements.get(source);
    if (!statement) statements.set(source, (statement = db.prepare(source)));
    return statement;
  }) as PlayerDatabase['prepare'];
}
