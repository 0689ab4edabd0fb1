import { Injectable } from '@nestjs/common';

import { SyncDatabase, Transaction } from '../database/sync-database';
import { DepartedReward } from './stream-plan';

/** A record as the sync last saw it: enough to tell a changed version, and for rewards to find it again. */
export interface RecordVersion {
  key: string;
  updatedAt: number | null;
  createdAt: number | null;
  hash: string;
  /** Rewards only: it can still change (see reward-state.ts); its statuses; its customer's filter value. */
  open: boolean;
  status: string | null;
  ref: string | null;
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

const VERSION_COLUMNS = `key, updated_at as "updatedAt", created_at as "createdAt", encode(hash, 'hex') as hash, open,
  status, ref`;

type VersionRow = Omit<RecordVersion, 'updatedAt' | 'createdAt'> & {
  updatedAt: string | null;
  createdAt: string | null;
};

const toVersion = (row: VersionRow): RecordVersion => ({
  ...row,
  updatedAt: row.updatedAt === null ? null : Number(row.updatedAt),
  createdAt: row.createdAt === null ? null : Number(row.createdAt),
});

/**
 * Per synced record: its last `updated_at` and `created_at`, its content hash, the number of the last full pass that
 * saw it (`seen`) and of the last pass of any kind that returned it (`touched`), and for rewards what it takes to
 * find them again. All access is by page, in one statement (records travel as one JSON parameter).
 */
@Injectable()
export class RecordStateRepository {
  constructor(private readonly db: SyncDatabase) {}

  public async load(scope: StreamScope, keys: string[]): Promise<Map<string, RecordVersion>> {
    if (keys.length === 0) return new Map();
    const rows = await this.db.query<VersionRow>(
      `select s.key, s.updated_at as "updatedAt", s.created_at as "createdAt", encode(s.hash, 'hex') as hash,
         s.open, s.status, s.ref
       from ${rowsOfKeys('r.key, r.updated_at, r.created_at, r.hash, r.open, r.status, r.ref')}`,
      [JSON.stringify(keys), scope.connectionRef, scope.streamCode],
    );
    return new Map(rows.map((row) => [row.key, toVersion(row)]));
  }

  /**
   * Writes every version a page returned, changed or not (keys must be unique): stamps them as returned by pass
   * `touch` and, for full passes, seen by pass `seen`. Unchanged ones are written too, so that states written before
   * a column existed get it, and so that a pass can tell afterwards what it did not return.
   */
  public async upsert(
    scope: StreamScope,
    versions: RecordVersion[],
    stamps: { seen: number; touch: number },
    trx: Transaction,
  ): Promise<void> {
    if (versions.length === 0) return;
    await this.db.query(
      `insert into sync.record_state (connection_ref, stream, key, updated_at, created_at, hash, seen, touched, open,
         status, ref)
       select ?, ?, r.k, r.u, r.c, decode(r.h, 'hex'), ?, ?, r.o, r.s, r.f
       from jsonb_to_recordset(?::jsonb) as r(k text, u bigint, c bigint, h text, o boolean, s text, f text)
       on conflict (connection_ref, stream, key) do update
         set updated_at = excluded.updated_at, created_at = excluded.created_at, hash = excluded.hash,
           seen = greatest(sync.record_state.seen, excluded.seen), touched = excluded.touched, open = excluded.open,
           status = excluded.status, ref = excluded.ref`,
      [
        scope.connectionRef,
        scope.streamCode,
        stamps.seen,
        stamps.touch,
        JSON.stringify(
          versions.map((version) => ({
            k: version.key,
            u: version.updatedAt,
            c: version.createdAt,
            h: version.hash,
            o: version.open,
            s: version.status,
            f: version.ref,
          })),
        ),
      ],
      trx,
    );
  }

  /** Records a full pass did not see: PartnerStack no longer returns them. */
  public async unseen(scope: StreamScope, seen: number, limit: number): Promise<RecordVersion[]> {
    const rows = await this.db.query<VersionRow>(
      `select ${VERSION_COLUMNS} from sync.record_state
       where connection_ref = ? and stream = ? and seen < ? order by key limit ?`,
      [scope.connectionRef, scope.streamCode, seen, limit],
    );
    return rows.map(toVersion);
  }

  /** Records created after `createdAfter` that a warm pass (number `touch`) did not return: removed upstream. */
  public async untouchedSince(
    scope: StreamScope,
    touch: number,
    createdAfter: number,
    limit: number,
  ): Promise<RecordVersion[]> {
    const rows = await this.db.query<VersionRow>(
      `select ${VERSION_COLUMNS} from sync.record_state
       where connection_ref = ? and stream = ? and created_at > ? and touched < ? order by key limit ?`,
      [scope.connectionRef, scope.streamCode, createdAfter, touch, limit],
    );
    return rows.map(toVersion);
  }

  public async forget(scope: StreamScope, keys: string[], trx: Transaction): Promise<void> {
    if (keys.length === 0) return;
    await this.db.query(
      `delete from sync.record_state where ctid = any(array(select s.ctid from ${rowsOfKeys('r.ctid')}))`,
      [JSON.stringify(keys), scope.connectionRef, scope.streamCode],
      trx,
    );
  }

  /** Open rewards created up to `createdUpTo` that pass `touch` has not returned: they left the open statuses. */
  public async departed(scope: StreamScope, touch: number, createdUpTo: number): Promise<DepartedReward[]> {
    const rows = await this.db.query<{ key: string; customer: string | null; createdAt: string | null }>(
      `select key, ref as customer, created_at as "createdAt" from sync.record_state
       where connection_ref = ? and stream = ? and open and touched < ? and created_at <= ?`,
      [scope.connectionRef, scope.streamCode, touch, createdUpTo],
    );
    return rows.map((row) => ({ ...row, createdAt: row.createdAt === null ? null : Number(row.createdAt) }));
  }

  /**
   * Departed rewards that the read-back did not find either: PartnerStack no longer returns them. They stop being
   * looked for (the next full reconcile reports them removed). Returns how many.
   */
  public async closeDeparted(scope: StreamScope, touch: number, createdUpTo: number): Promise<number> {
    const rows = await this.db.query<{ key: string }>(
      `update sync.record_state set open = false
       where connection_ref = ? and stream = ? and open and touched < ? and created_at <= ? returning key`,
      [scope.connectionRef, scope.streamCode, touch, createdUpTo],
    );
    return rows.length;
  }

  /** Distinct `reward_status/payment_status` pairs among the open rewards of a connection. */
  public async openStatuses(scope: StreamScope): Promise<string[]> {
    const rows = await this.db.query<{ status: string }>(
      `select distinct status from sync.record_state
       where connection_ref = ? and stream = ? and open and status is not null`,
      [scope.connectionRef, scope.streamCode],
    );
    return rows.map((row) => row.status);
  }

  /**
   * Known records of a stream: all of them, those created in a range, or only open ones (conditions are left out
   * rather than bound as nulls, so the planner sees exactly the filter and can use the partial index of open ones).
   */
  public async count(
    scope: StreamScope,
    filter: { createdAfter?: number; createdUpTo?: number; open?: true } = {},
  ): Promise<number> {
    const conditions = ['connection_ref = ?', 'stream = ?'];
    const params: unknown[] = [scope.connectionRef, scope.streamCode];
    if (filter.createdAfter !== undefined) {
      conditions.push('created_at > ?');
      params.push(filter.createdAfter);
    }
    if (filter.createdUpTo !== undefined) {
      conditions.push('created_at <= ?');
      params.push(filter.createdUpTo);
    }
    if (filter.open) conditions.push('open');
    const row = await this.db.one<{ count: string }>(
      `select count(*) as count from sync.record_state where ${conditions.join(' and ')}`,
      params,
    );
    return Number(row?.count ?? 0);
  }
}
