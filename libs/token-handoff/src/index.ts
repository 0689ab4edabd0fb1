export * from './token-handoff.client';
export * from './token-handoff.constants';
export * from './token-handoff.errors';
export {
  DEVELOPMENT_TOKEN_HANDOFF_KEY,
  deriveHandoffKeys,
  tokenFingerprint,
  tokenHandoffKeySchema,
} from './token-handoff.key';
export * from './token-handoff.module';
export { TokenResolution } from './token-handoff.protocol';
export { TokenHandoffServer, TokenHandoffServerOptions, TokenResolver } from './token-handoff.server';
