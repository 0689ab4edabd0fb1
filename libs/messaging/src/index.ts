export * from './amqp-connection';
export * from './decorators';
export * from './errors';
export { AnyMessage, BatchFailure, MessageDispatcher } from './message-dispatcher';
export * from './message-publisher';
export * from './messaging.module';
export * from './messaging.options';
export * from './topology';
