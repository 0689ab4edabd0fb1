import { Injectable, Logger } from '@nestjs/common';

import { TokenResolution, TokenResolver } from '@pp/token-handoff';

import { ConnectionsRepository } from '../connections/connections.repository';
import { TokenCipher } from '../encryption/token-cipher';

/** Answers the sync service's token requests from the encrypted store; only connected connections get a token. */
@Injectable()
export class StoredTokenResolver implements TokenResolver {
  private readonly logger = new Logger(StoredTokenResolver.name);

  constructor(
    private readonly connections: ConnectionsRepository,
    private readonly cipher: TokenCipher,
  ) {}

  public async resolve({
    tenantId,
    connectionId,
  }: {
    tenantId: string;
    connectionId: string;
  }): Promise<TokenResolution> {
    const connection = await this.connections.findById(tenantId, connectionId);
    if (!connection) return { status: 'unavailable', reason: 'unknown' };
    if (connection.status !== 'connected') return { status: 'unavailable', reason: connection.status };
    const stored = await this.connections.findToken(tenantId, connectionId);
    if (!stored) {
      this.logger.error(`Connection '${connectionId}' is connected but has no stored token`);
      return { status: 'unavailable', reason: 'unknown' };
    }
    return { status: 'available', token: this.cipher.decrypt(stored, { tenantId, connectionId }) };
  }
}
