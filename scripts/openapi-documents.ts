import { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { OpenAPIObject } from '@nestjs/swagger';

import { CredentialsModule } from '../apps/credentials/src/credentials.module';
import { CREDENTIALS_OPENAPI } from '../apps/credentials/src/credentials.constants';
import { ReportingModule } from '../apps/reporting/src/reporting.module';
import { REPORTING_OPEN_API } from '../apps/reporting/src/reporting.openapi';
import { createOpenApiDocument, OpenApiOptions } from '@pp/observability';

export interface PublishedApi {
  /** File under openapi/ the document is committed as. */
  name: 'credentials' | 'reporting';
  module: Type<unknown>;
  options: OpenApiOptions;
}

export const PUBLISHED_APIS: PublishedApi[] = [
  { name: 'credentials', module: CredentialsModule, options: CREDENTIALS_OPENAPI },
  { name: 'reporting', module: ReportingModule, options: REPORTING_OPEN_API },
];

/**
 * Builds a service's document from its module without starting it: the app is created (controllers and their
 * decorators are all the document needs) but never initialised, so nothing connects to PostgreSQL or RabbitMQ.
 */
export async function buildOpenApiDocument(api: PublishedApi): Promise<OpenAPIObject> {
  const app: INestApplication = await NestFactory.create(api.module, { logger: false, abortOnError: false });
  try {
    return createOpenApiDocument(app, api.options);
  } finally {
    await app.close();
  }
}

export const serializeDocument = (document: OpenAPIObject): string => `${JSON.stringify(document, null, 2)}\n`;
