import { randomUUID } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';

import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
import pino from 'pino';

import { CORRELATION_HEADER, currentCorrelation, runWithCorrelation } from './correlation';
import { redactSecrets } from './redact';

const QUIET_PATHS = new Set(['/health/live', '/health/ready', '/metrics']);

/** pino options shared by Nest apps and plain scripts, so every process logs the same JSON shape. */
export function pinoOptions(service: string, level: string): pino.LoggerOptions {
  return {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: () => {
      const scope = currentCorrelation();
      return scope
        ? { correlationId: scope.correlationId, ...(scope.tenantId ? { tenantId: scope.tenantId } : {}) }
        : {};
    },
    formatters: {
      level: (label) => ({ level: label }),
      log: (object) => redactSecrets(object),
    },
  };
}

export function createScriptLogger(service: string): pino.Logger {
  return pino(pinoOptions(service, process.env.LOG_LEVEL ?? 'info'));
}

function correlationIdOf(request: IncomingMessage): string {
  const header = request.headers[CORRELATION_HEADER];
  const candidate = Array.isArray(header) ? header[0] : header;
  return candidate && /^[\w.:-]{1,128}$/.test(candidate) ? candidate : randomUUID();
}

export interface LoggingOptions {
  /** Rewrites a request URL before it is logged, e.g. to hide a secret path segment (a capability URL). */
  redactUrl?: (url: string) => string;
}

@Module({})
export class LoggingModule implements NestModule {
  static forRoot(service: string, options: LoggingOptions = {}): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({
            pinoHttp: {
              ...pinoOptions(service, config.get<string>('LOG_LEVEL') ?? 'info'),
              genReqId: (request: IncomingMessage, response: ServerResponse) => {
                const id = correlationIdOf(request);
                response.setHeader(CORRELATION_HEADER, id);
                return id;
              },
              customProps: (request: IncomingMessage) => ({
                correlationId: (request as IncomingMessage & { id: string }).id,
              }),
              autoLogging: { ignore: (request: IncomingMessage) => QUIET_PATHS.has((request.url ?? '').split('?')[0]) },
              serializers: {
                req: (request: { id: string; method: string; url: string }) => ({
                  id: request.id,
                  method: request.method,
                  url: options.redactUrl ? options.redactUrl(request.url) : request.url,
                }),
                res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
              },
            },
          }),
        }),
      ],
      exports: [LoggerModule],
    };
  }

  public configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply((request: IncomingMessage & { id?: string }, _response: ServerResponse, next: () => void) =>
        runWithCorrelation({ correlationId: String(request.id ?? correlationIdOf(request)) }, next),
      )
      .forRoutes('*path');
  }
}
