export * from './auth.guard';
export { PublicRoute } from '@pp/observability';
export * from './auth.module';
export * from './auth.types';
export * from './current-user.decorator';
export * from './jwt.strategy';
export * from './test-tokens';
