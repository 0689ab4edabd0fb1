export * from './all-exceptions.filter';
export * from './bootstrap';
export * from './correlation';
export * from './health';
export * from './logging.module';
export * from './metrics.module';
export * from './public-route';
export * from './redact';
