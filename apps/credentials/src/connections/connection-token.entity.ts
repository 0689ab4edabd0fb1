import { Check, Entity, Index, ManyToOne, OptionalProps, Property } from '@mikro-orm/core';

import { Connection } from './connection.entity';

/** A connection's PartnerStack token, encrypted; secret material only, so a disconnect deletes the row. */
@Entity({ schema: 'credentials', tableName: 'connection_token' })
@Check({ name: 'connection_token_nonce_check', expression: 'octet_length(nonce) = 12' })
@Index({ name: 'connection_token_key_id_idx', properties: ['keyId'] })
export class ConnectionToken {
  [OptionalProps]?: 'encryptedAt';

  @ManyToOne({
    entity: () => Connection,
    primary: true,
    mapToPk: true,
    fieldName: 'connection_id',
    deleteRule: 'cascade',
    updateRule: 'no action',
    foreignKeyName: 'connection_token_connection_id_fkey',
  })
  connectionId!: string;

  @Property({ type: 'text' })
  tenantId!: string;

  /** Which of CREDENTIALS_ENCRYPTION_KEYS encrypted it. */
  @Property({ type: 'text' })
  keyId!: string;

  @Property({ type: 'blob' })
  nonce!: Buffer;

  @Property({ type: 'blob' })
  ciphertext!: Buffer;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  encryptedAt!: Date;
}
