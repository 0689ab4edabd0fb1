export * from './database-url';
export * from './migrations';
export * from './persistence.module';
export * from './sql-database';
export * from './schema-drift';
