import { BigIntType, Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * One row per synced record, compact on purpose (int connection ref, smallint stream, 8-byte hash). Written and read
 * only set-based, a page at a time (RecordStateRepository); the entity states its shape.
 */
@Entity({ schema: 'sync', tableName: 'record_state' })
// Departed-reward detection reads only the open rewards of one connection: a small partial index.
@Index({
  name: 'record_state_open_idx',
  expression: 'create index record_state_open_idx on sync.record_state (connection_ref, stream) where open',
})
export class RecordState {
  @PrimaryKey({ type: 'integer', autoincrement: false })
  connectionRef!: number;

  @PrimaryKey({ type: 'smallint', autoincrement: false })
  stream!: number;

  @PrimaryKey({ type: 'text' })
  key!: string;

  /** PartnerStack's `updated_at` (epoch ms). */
  @Property({ type: new BigIntType('number'), nullable: true })
  updatedAt!: number | null;

  @Property({ type: new BigIntType('number'), nullable: true })
  createdAt!: number | null;

  @Property({ type: 'blob' })
  hash!: Buffer;

  /** The full pass that last saw it. */
  @Property({ type: 'integer' })
  seen!: number;

  /** The pass of its stream that last returned it. */
  @Property({ type: 'integer', default: 0 })
  touched!: number;

  @Property({ type: 'boolean', default: false })
  open!: boolean;

  @Property({ type: 'text', nullable: true })
  status!: string | null;

  @Property({ type: 'text', nullable: true })
  ref!: string | null;
}
