import { INestApplication, Type, ValidationPipe } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';

import { describeError } from '@pp/common';

import { AllExceptionsFilter } from './all-exceptions.filter';
import { RefuseNulBytesPipe, requireJsonBodies } from './input-guards';
import { createOpenApiDocument, OpenApiOptions } from './openapi';
import { validationExceptionFactory } from './problem';

export interface ServiceOptions {
  openApi?: OpenApiOptions;
  /** Routes whose body is not ours to shape (PartnerStack's postbacks): any media type is let through. */
  anyMediaTypePrefixes?: readonly string[];
  /** Microservice transports to start once the app is initialised and before it serves HTTP (the broker's events). */
  transports?: ReadonlyArray<(app: INestApplication) => Promise<void>>;
}

/** Applies what every HTTP-facing app shares; used by main.ts and by tests that boot an app in-process. */
export function configureApp(app: INestApplication, { openApi, anyMediaTypePrefixes }: ServiceOptions = {}): void {
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  app.use(requireJsonBodies(anyMediaTypePrefixes));
  app.useGlobalPipes(
    new RefuseNulBytesPipe(),
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: validationExceptionFactory,
    }),
  );
  app.useGlobalFilters(new AllExceptionsFilter());
  const config = app.get(ConfigService);
  const origins =
    config.get<string[]>('CORS_ORIGINS') ??
    (config.get<string>('NODE_ENV') === 'production' ? [] : ['http://localhost:5173']);
  if (origins.length > 0) app.enableCors({ origin: origins, credentials: true });
  if (openApi && apiDocsEnabled(config)) {
    SwaggerModule.setup('docs', app, () => createOpenApiDocument(app, openApi), {
      jsonDocumentUrl: 'docs/openapi.json',
    });
  }
}

/** Configures, initialises and starts the transports of an app: all of bootstrapService but the HTTP listen. */
export async function initializeApp(app: INestApplication, options: ServiceOptions = {}): Promise<void> {
  configureApp(app, options);
  await app.init();
  for (const startTransport of options.transports ?? []) await startTransport(app);
}

/** The interactive docs map every route for whoever finds them: on outside production unless turned off. */
function apiDocsEnabled(config: ConfigService): boolean {
  const setting = config.get<boolean>('API_DOCS_ENABLED');
  return setting ?? config.get<string>('NODE_ENV') !== 'production';
}

/**
 * Starts an app for `node dist/apps/<app>/main.js`. A failure to start (invalid environment, wiring error)
 * ends the process with exit code 1 and one readable message; such messages never contain secret values.
 */
export async function bootstrapService(
  module: Type<unknown>,
  options: ServiceOptions = {},
): Promise<INestApplication | undefined> {
  try {
    const app = await NestFactory.create(module, { bufferLogs: true, abortOnError: false });
    await initializeApp(app, options);
    const port = app.get(ConfigService).getOrThrow<number>('PORT');
    await app.listen(port, process.env.HOST ?? '0.0.0.0');
    return app;
  } catch (error) {
    process.stderr.write(`${module.name} failed to start: ${describeError(error)}\n`);
    process.exit(1);
  }
}
