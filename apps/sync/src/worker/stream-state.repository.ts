import { raw } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';

import { PartnerStackStream } from '@pp/contracts';

import { databaseNow } from '../database/database-now';
import { Transaction } from '../database/sync-database';
import { PassCheckpoint } from './stream-plan';
import { StreamState } from './stream-state.entity';

/** When each freshness tier of a stream last completed (the start of that pass). */
export type StreamTierTimes = Pick<StreamState, 'stream' | 'lastPassAt' | 'lastWarmAt' | 'lastFullAt'>;

/**
 * Per connection and stream: the creation watermark, the full-pass and pass counters, the checkpoint of the pass in
 * progress and when each tier last completed. The counters and the watermark only ever grow, in the statement
 * that writes them (`greatest`), so a stale writer can never move them back.
 */
@Injectable()
export class StreamStateRepository {
  constructor(private readonly em: EntityManager) {}

  /** The stream's state, created empty the first time the connection syncs it. */
  public async get(connectionId: string, stream: PartnerStackStream): Promise<StreamState> {
    return this.em.fork().upsert(StreamState, { connectionId, stream }, { onConflictAction: 'ignore' });
  }

  public async savePass(
    connectionId: string,
    stream: PartnerStackStream,
    pass: PassCheckpoint,
    trx?: Transaction,
  ): Promise<void> {
    await this.em.fork().nativeUpdate(
      StreamState,
      { connectionId, stream },
      {
        pass,
        fullSeq: raw('greatest(full_seq, ?)', [pass.full ? pass.seen : 0]),
        passSeq: raw('greatest(pass_seq, ?)', [pass.touch]),
        updatedAt: databaseNow(),
      },
      { ctx: trx },
    );
  }

  public async completePass(connectionId: string, stream: PartnerStackStream, pass: PassCheckpoint): Promise<void> {
    const startedAt = new Date(pass.startedAt);
    await this.em.fork().nativeUpdate(
      StreamState,
      { connectionId, stream },
      {
        pass: null,
        unavailableAt: null,
        updatedAt: databaseNow(),
        watermark: raw('greatest(coalesce(watermark, 0), coalesce(?::bigint, watermark))', [pass.maxCreated]),
        lastPassAt: startedAt,
        ...(pass.tier !== 'incremental' && { lastWarmAt: startedAt }),
        ...(pass.full && { lastFullAt: startedAt }),
      },
    );
  }

  public async markUnavailable(connectionId: string, stream: PartnerStackStream): Promise<void> {
    await this.em
      .fork()
      .nativeUpdate(
        StreamState,
        { connectionId, stream },
        { pass: null, unavailableAt: raw('coalesce(unavailable_at, now())'), updatedAt: databaseNow() },
      );
  }

  public async tierTimes(connectionId: string): Promise<StreamTierTimes[]> {
    return this.em
      .fork()
      .find(
        StreamState,
        { connectionId, unavailableAt: null },
        { fields: ['stream', 'lastPassAt', 'lastWarmAt', 'lastFullAt'], orderBy: { stream: 'asc' } },
      );
  }
}
