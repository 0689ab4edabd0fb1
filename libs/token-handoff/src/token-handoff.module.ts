import { DynamicModule, Module, ModuleMetadata } from '@nestjs/common';

import { TOKEN_HANDOFF_CLIENT_OPTIONS, TokenHandoffClient, TokenHandoffClientOptions } from './token-handoff.client';
import { TOKEN_HANDOFF_SERVER_OPTIONS, TokenHandoffServer, TokenHandoffServerOptions } from './token-handoff.server';

interface AsyncOptions<T> {
  imports?: ModuleMetadata['imports'];
  inject?: unknown[];
  useFactory: (...args: never[]) => T | Promise<T>;
}

/**
 * Client side, for the sync service: provides TokenHandoffClient. Needs MessagingModule (its AmqpConnection)
 * in the app.
 */
@Module({})
export class TokenHandoffModule {
  static forRootAsync(options: AsyncOptions<TokenHandoffClientOptions>): DynamicModule {
    return {
      module: TokenHandoffModule,
      imports: options.imports ?? [],
      providers: [
        {
          provide: TOKEN_HANDOFF_CLIENT_OPTIONS,
          inject: (options.inject ?? []) as never[],
          useFactory: options.useFactory,
        },
        TokenHandoffClient,
      ],
      exports: [TokenHandoffClient],
    };
  }
}

/** Server side, for the credentials service only: answers token requests through the given resolver. */
@Module({})
export class TokenHandoffServerModule {
  static forRootAsync(options: AsyncOptions<TokenHandoffServerOptions>): DynamicModule {
    return {
      module: TokenHandoffServerModule,
      imports: options.imports ?? [],
      providers: [
        {
          provide: TOKEN_HANDOFF_SERVER_OPTIONS,
          inject: (options.inject ?? []) as never[],
          useFactory: options.useFactory,
        },
        TokenHandoffServer,
      ],
    };
  }
}
