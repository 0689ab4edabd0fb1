import { Injectable } from '@nestjs/common';

import { PartnerStackStream } from '@pp/contracts';

import { SyncDatabase, Transaction } from '../database/sync-database';
import { PassCheckpoint } from './stream-plan';

export interface StreamState {
  watermark: number | null;
  fullSeq: number;
  pass: PassCheckpoint | null;
}

/** Per connection and stream: the creation watermark, the full-pass counter and the checkpoint of the pass in progress. */
@Injectable()
export class StreamStateRepository {
  constructor(private readonly db: SyncDatabase) {}

  public async get(connectionId: string, stream: PartnerStackStream): Promise<StreamState> {
    const row = await this.db.one<{ watermark: string | null; fullSeq: number; pass: PassCheckpoint | null }>(
      `insert into sync.stream_state (connection_id, stream) values (?, ?)
       on conflict (connection_id, stream) do update set updated_at = sync.stream_state.updated_at
       returning watermark, full_seq as "fullSeq", pass`,
      [connectionId, stream],
    );
    return {
      watermark: row?.watermark === null || row?.watermark === undefined ? null : Number(row.watermark),
      fullSeq: row?.fullSeq ?? 0,
      pass: row?.pass ?? null,
    };
  }

  public async savePass(
    connectionId: string,
    stream: PartnerStackStream,
    pass: PassCheckpoint,
    trx?: Transaction,
  ): Promise<void> {
    await this.db.query(
      `update sync.stream_state set pass = ?::jsonb, full_seq = greatest(full_seq, ?), updated_at = now()
       where connection_id = ? and stream = ?`,
      [JSON.stringify(pass), pass.full ? pass.seen : 0, connectionId, stream],
      trx,
    );
  }

  public async completePass(connectionId: string, stream: PartnerStackStream, pass: PassCheckpoint): Promise<void> {
    await this.db.query(
      `update sync.stream_state set pass = null, unavailable_at = null, updated_at = now(),
         watermark = greatest(coalesce(watermark, 0), coalesce(?::bigint, watermark)),
         last_full_at = case when ? then now() else last_full_at end
       where connection_id = ? and stream = ?`,
      [pass.maxCreated, pass.full, connectionId, stream],
    );
  }

  public async markUnavailable(connectionId: string, stream: PartnerStackStream): Promise<void> {
    await this.db.query(
      `update sync.stream_state set pass = null, unavailable_at = coalesce(unavailable_at, now()), updated_at = now()
       where connection_id = ? and stream = ?`,
      [connectionId, stream],
    );
  }
}
