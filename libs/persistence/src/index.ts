export * from './database-url';
export * from './migrations';
export * from './persistence.module';
