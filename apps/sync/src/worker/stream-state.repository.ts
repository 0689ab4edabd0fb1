import { Injectable } from '@nestjs/common';

import { PartnerStackStream } from '@pp/contracts';

import { SyncDatabase, Transaction } from '../database/sync-database';
import { PassCheckpoint } from './stream-plan';

export interface StreamState {
  watermark: number | null;
  fullSeq: number;
  passSeq: number;
  pass: PassCheckpoint | null;
  lastWarmAt: Date | null;
}

/** When each freshness tier of a stream last completed (the start of that pass). */
export interface StreamTierTimes {
  stream: PartnerStackStream;
  lastPassAt: Date | null;
  lastWarmAt: Date | null;
  lastFullAt: Date | null;
}

const date = (value: Date | string | null): Date | null => (value === null ? null : new Date(value));

/**
 * Per connection and stream: the creation watermark, the full-pass and pass counters, the checkpoint of the pass in
 * progress and when each tier last completed.
 */
@Injectable()
export class StreamStateRepository {
  constructor(private readonly db: SyncDatabase) {}

  public async get(connectionId: string, stream: PartnerStackStream): Promise<StreamState> {
    const row = await this.db.one<{
      watermark: string | null;
      fullSeq: number;
      passSeq: number;
      pass: PassCheckpoint | null;
      lastWarmAt: Date | string | null;
    }>(
      `insert into sync.stream_state (connection_id, stream) values (?, ?)
       on conflict (connection_id, stream) do update set updated_at = sync.stream_state.updated_at
       returning watermark, full_seq as "fullSeq", pass_seq as "passSeq", pass, last_warm_at as "lastWarmAt"`,
      [connectionId, stream],
    );
    return {
      watermark: row?.watermark === null || row?.watermark === undefined ? null : Number(row.watermark),
      fullSeq: row?.fullSeq ?? 0,
      passSeq: row?.passSeq ?? 0,
      pass: row?.pass ?? null,
      lastWarmAt: date(row?.lastWarmAt ?? null),
    };
  }

  public async savePass(
    connectionId: string,
    stream: PartnerStackStream,
    pass: PassCheckpoint,
    trx?: Transaction,
  ): Promise<void> {
    await this.db.query(
      `update sync.stream_state set pass = ?::jsonb, full_seq = greatest(full_seq, ?),
         pass_seq = greatest(pass_seq, ?), updated_at = now()
       where connection_id = ? and stream = ?`,
      [JSON.stringify(pass), pass.full ? pass.seen : 0, pass.touch, connectionId, stream],
      trx,
    );
  }

  public async completePass(connectionId: string, stream: PartnerStackStream, pass: PassCheckpoint): Promise<void> {
    const startedAt = new Date(pass.startedAt);
    await this.db.query(
      `update sync.stream_state set pass = null, unavailable_at = null, updated_at = now(),
         watermark = greatest(coalesce(watermark, 0), coalesce(?::bigint, watermark)),
         last_pass_at = ?,
         last_warm_at = case when ? then ?::timestamptz else last_warm_at end,
         last_full_at = case when ? then ?::timestamptz else last_full_at end
       where connection_id = ? and stream = ?`,
      [pass.maxCreated, startedAt, pass.tier !== 'incremental', startedAt, pass.full, startedAt, connectionId, stream],
    );
  }

  public async markUnavailable(connectionId: string, stream: PartnerStackStream): Promise<void> {
    await this.db.query(
      `update sync.stream_state set pass = null, unavailable_at = coalesce(unavailable_at, now()), updated_at = now()
       where connection_id = ? and stream = ?`,
      [connectionId, stream],
    );
  }

  public async tierTimes(connectionId: string): Promise<StreamTierTimes[]> {
    const rows = await this.db.query<{
      stream: PartnerStackStream;
      lastPassAt: Date | string | null;
      lastWarmAt: Date | string | null;
      lastFullAt: Date | string | null;
    }>(
      `select stream, last_pass_at as "lastPassAt", last_warm_at as "lastWarmAt", last_full_at as "lastFullAt"
       from sync.stream_state where connection_id = ? and unavailable_at is null order by stream`,
      [connectionId],
    );
    return rows.map((row) => ({
      stream: row.stream,
      lastPassAt: date(row.lastPassAt),
      lastWarmAt: date(row.lastWarmAt),
      lastFullAt: date(row.lastFullAt),
    }));
  }
}
