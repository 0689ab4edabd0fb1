import { BigIntType, Entity, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

import { PartnerStackStream } from '@pp/contracts';

import { Connection } from '../connections/connection.entity';
import { PassCheckpoint } from './stream-plan';

/**
 * Per connection and stream: the creation watermark, the full-pass and pass counters, the checkpoint of the pass in
 * progress and when each tier last completed.
 */
@Entity({ schema: 'sync', tableName: 'stream_state' })
export class StreamState {
  [OptionalProps]?:
    | 'watermark'
    | 'fullSeq'
    | 'passSeq'
    | 'lastFullAt'
    | 'lastPassAt'
    | 'lastWarmAt'
    | 'unavailableAt'
    | 'pass'
    | 'updatedAt';

  @ManyToOne({
    entity: () => Connection,
    primary: true,
    mapToPk: true,
    fieldName: 'connection_id',
    deleteRule: 'cascade',
    updateRule: 'no action',
    foreignKeyName: 'stream_state_connection_id_fkey',
  })
  connectionId!: string;

  @PrimaryKey({ type: 'text' })
  stream!: PartnerStackStream;

  /** The newest `created_at` (epoch ms) seen by a completed pass. */
  @Property({ type: new BigIntType('number'), nullable: true })
  watermark!: number | null;

  @Property({ type: 'integer', default: 0 })
  fullSeq!: number;

  @Property({ type: 'integer', default: 0 })
  passSeq!: number;

  @Property({ type: 'timestamptz', nullable: true })
  lastFullAt!: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  lastPassAt!: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  lastWarmAt!: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  unavailableAt!: Date | null;

  @Property({ type: 'jsonb', nullable: true })
  pass!: PassCheckpoint | null;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  updatedAt!: Date;
}
