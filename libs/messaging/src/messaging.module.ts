import { DynamicModule, Module, ModuleMetadata } from '@nestjs/common';

import { AmqpConnection, BrokerReadinessProbe } from './amqp-connection';
import { MessageDispatcher } from './message-dispatcher';
import { MessagePublisher } from './message-publisher';
import { MESSAGING_OPTIONS, MessagingOptions } from './messaging.options';

export interface MessagingModuleAsyncOptions {
  imports?: ModuleMetadata['imports'];
  inject?: unknown[];
  useFactory: (...args: never[]) => MessagingOptions | Promise<MessagingOptions>;
}

@Module({})
export class MessagingModule {
  static forRootAsync(options: MessagingModuleAsyncOptions): DynamicModule {
    return {
      module: MessagingModule,
      global: true,
      imports: options.imports ?? [],
      providers: [
        {
          provide: MESSAGING_OPTIONS,
          inject: (options.inject ?? []) as never[],
          useFactory: options.useFactory,
        },
        AmqpConnection,
        BrokerReadinessProbe,
        MessagePublisher,
        MessageDispatcher,
      ],
      exports: [AmqpConnection, BrokerReadinessProbe, MessagePublisher],
    };
  }
}
