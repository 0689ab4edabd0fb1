export * from './partnerstack-client.module';
export * from './partnerstack.client';
export * from './partnerstack.constants';
export * from './partnerstack.errors';
export * from './partnerstack.types';
export { retryAfterMs } from './response-parser';
export * from './token-bucket.pacer';
export * from './token-fingerprint';
