export type TokenUnavailableReason = 'disconnected' | 'invalid' | 'unknown';

/**
 * The credentials service answered: there is no usable token for this connection (the org disconnected,
 * PartnerStack rejected the token, or the connection is not known). Retrying does not help until the org acts.
 */
export class TokenUnavailableError extends Error {
  constructor(
    public readonly reason: TokenUnavailableReason,
    public readonly connectionId: string,
  ) {
    super(`No usable PartnerStack token for connection '${connectionId}': ${reason}`);
    this.name = 'TokenUnavailableError';
  }
}

/** The hand-off did not complete (credentials service down, timeout, refused request); retrying later may help. */
export class TokenHandoffTransientError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenHandoffTransientError';
  }
}
