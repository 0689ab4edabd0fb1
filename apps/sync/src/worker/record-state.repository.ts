import { Injectable } from '@nestjs/common';

import { SyncDatabase, Transaction } from '../database/sync-database';

export interface RecordVersion {
  key: string;
  updatedAt: number | null;
  hash: string;
}

export interface StreamScope {
  connectionRef: number;
  streamCode: number;
}

/**
 * The record states of a page's keys (bindings: the keys as a JSON array, connection ref, stream code), as `s`.
 * One primary-key probe per key, whatever the statistics say: written as a join, the planner hashed the whole
 * stream's states (its statistics still from when the table was empty), which made every page cost O(stream).
 * The LIMIT keeps PostgreSQL from flattening the lateral subquery back into such a join.
 */
function rowsOfKeys(columns: string): string {
  return `jsonb_array_elements_text(?::jsonb) as k(key)
    cross join lateral (
      select ${columns} from sync.record_state r
      where r.connection_ref = ? and r.stream = ? and r.key = k.key
      limit 1
    ) s`;
}

/**
 * Per synced record: its last `updated_at`, its content hash and the number of the last full pass that saw it.
 * All access is by page, in one statement (records travel as one JSON parameter).
 */
@Injectable()
export class RecordStateRepository {
  constructor(private readonly db: SyncDatabase) {}

  public async load(scope: StreamScope, keys: string[]): Promise<Map<string, RecordVersion>> {
    if (keys.length === 0) return new Map();
    const rows = await this.db.query<{ key: string; updatedAt: string | null; hash: string }>(
      `select s.key, s.updated_at as "updatedAt", encode(s.hash, 'hex') as hash
       from ${rowsOfKeys('r.key, r.updated_at, r.hash')}`,
      [JSON.stringify(keys), scope.connectionRef, scope.streamCode],
    );
    return new Map(
      rows.map((row) => [
        row.key,
        { key: row.key, updatedAt: row.updatedAt === null ? null : Number(row.updatedAt), hash: row.hash },
      ]),
    );
  }

  /** Writes new and changed versions, stamping them as seen by pass `seen`. Keys must be unique. */
  public async upsert(scope: StreamScope, versions: RecordVersion[], seen: number, trx: Transaction): Promise<void> {
    if (versions.length === 0) return;
    await this.db.query(
      `insert into sync.record_state (connection_ref, stream, key, updated_at, hash, seen)
       select ?, ?, r.k, r.u, decode(r.h, 'hex'), ? from jsonb_to_recordset(?::jsonb) as r(k text, u bigint, h text)
       on conflict (connection_ref, stream, key) do update
         set updated_at = excluded.updated_at, hash = excluded.hash, seen = greatest(sync.record_state.seen, excluded.seen)`,
      [
        scope.connectionRef,
        scope.streamCode,
        seen,
        JSON.stringify(versions.map((version) => ({ k: version.key, u: version.updatedAt, h: version.hash }))),
      ],
      trx,
    );
  }

  /** Stamps unchanged records as seen by full pass `seen`. */
  public async markSeen(scope: StreamScope, keys: string[], seen: number, trx: Transaction): Promise<void> {
    if (keys.length === 0) return;
    await this.db.query(
      `update sync.record_state set seen = ?
       where seen < ? and ctid = any(array(select s.ctid from ${rowsOfKeys('r.ctid')}))`,
      [seen, seen, JSON.stringify(keys), scope.connectionRef, scope.streamCode],
      trx,
    );
  }

  /** Records a full pass did not see: PartnerStack no longer returns them. */
  public async unseen(scope: StreamScope, seen: number, limit: number): Promise<RecordVersion[]> {
    const rows = await this.db.query<{ key: string; updatedAt: string | null; hash: string }>(
      `select key, updated_at as "updatedAt", encode(hash, 'hex') as hash from sync.record_state
       where connection_ref = ? and stream = ? and seen < ? order by key limit ?`,
      [scope.connectionRef, scope.streamCode, seen, limit],
    );
    return rows.map((row) => ({
      key: row.key,
      updatedAt: row.updatedAt === null ? null : Number(row.updatedAt),
      hash: row.hash,
    }));
  }

  public async forget(scope: StreamScope, keys: string[], trx: Transaction): Promise<void> {
    if (keys.length === 0) return;
    await this.db.query(
      `delete from sync.record_state where ctid = any(array(select s.ctid from ${rowsOfKeys('r.ctid')}))`,
      [JSON.stringify(keys), scope.connectionRef, scope.streamCode],
      trx,
    );
  }
}
