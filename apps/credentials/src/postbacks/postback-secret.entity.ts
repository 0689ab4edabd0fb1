import { Check, Entity, Index, ManyToOne, OptionalProps, Property, Unique } from '@mikro-orm/core';

import { Connection } from '../connections/connection.entity';

/**
 * A connection's postback URL secret: encrypted like tokens (so the URL can be shown again), plus the SHA-256 hash
 * that incoming postbacks are matched against. Secret material only, so revoking deletes the row.
 */
@Entity({ schema: 'credentials', tableName: 'postback_secret' })
@Check({ name: 'postback_secret_lookup_hash_check', expression: 'octet_length(lookup_hash) = 32' })
@Check({ name: 'postback_secret_nonce_check', expression: 'octet_length(nonce) = 12' })
@Index({ name: 'postback_secret_key_id_idx', properties: ['keyId'] })
export class PostbackSecret {
  [OptionalProps]?: 'encryptedAt' | 'createdAt';

  @ManyToOne({
    entity: () => Connection,
    primary: true,
    mapToPk: true,
    fieldName: 'connection_id',
    deleteRule: 'cascade',
    updateRule: 'no action',
    foreignKeyName: 'postback_secret_connection_id_fkey',
  })
  connectionId!: string;

  @Property({ type: 'text' })
  tenantId!: string;

  @Property({ type: 'blob' })
  @Unique({ name: 'postback_secret_lookup_hash_key' })
  lookupHash!: Buffer;

  @Property({ type: 'text' })
  keyId!: string;

  @Property({ type: 'blob' })
  nonce!: Buffer;

  @Property({ type: 'blob' })
  ciphertext!: Buffer;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  encryptedAt!: Date;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt!: Date;
}
