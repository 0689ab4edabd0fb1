export * from './amqp-connection';
export * from './errors';
export { MessageDispatcher } from './message-dispatcher';
export { AnyMessage, BatchFailure } from './routes';
export * from './message-publisher';
export * from './messaging.module';
export * from './messaging.options';
export * from './topology';
export * from './events-transport';
