import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

export interface OpenApiOptions {
  title: string;
  description: string;
  bearerAuth: boolean;
}

/** Statuses any operation can answer whatever it does: bad input, no or a bad token, a limit, an outage. */
const COMMON_ERROR_STATUSES: Record<string, string> = {
  '400': 'Invalid input; `errors` names each invalid field.',
  '401': 'Missing, expired or badly signed token.',
  '403': 'The token has no org, or lacks a role this operation needs.',
  '429': 'Too many requests; wait `Retry-After` seconds.',
  '500': 'Unexpected failure; quote `correlationId` to support.',
  '503': 'Temporarily unable to answer (database saturated or down); wait `Retry-After` seconds.',
};

const PROBLEM_SCHEMA = {
  type: 'object',
  description: 'RFC 9457 problem details. `statusCode`, `message` and `error` repeat them in the older error shape.',
  required: ['type', 'title', 'status', 'detail', 'instance', 'statusCode', 'message', 'error'],
  properties: {
    type: { type: 'string', example: 'urn:partner-partner:problem:validation-failed' },
    title: { type: 'string', example: 'Bad Request' },
    status: { type: 'integer', example: 400 },
    detail: { type: 'string', example: 'limit must not be greater than 500' },
    instance: { type: 'string', example: '/v1/referrals' },
    correlationId: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: { field: { type: 'string' }, message: { type: 'string' } },
      },
    },
    retryAfterSeconds: { type: 'integer', minimum: 1 },
    statusCode: { type: 'integer' },
    message: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
    error: { type: 'string' },
  },
} as const;

const PROBLEM_CONTENT = { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDetails' } } };

/**
 * The service's OpenAPI document as the code declares it, with the problem-details schema on every error response.
 * Deterministic (no server URL, no build time), so the committed openapi/*.json can be compared with it.
 */
export function createOpenApiDocument(app: INestApplication, options: OpenApiOptions): OpenAPIObject {
  const builder = new DocumentBuilder().setTitle(options.title).setDescription(options.description).setVersion('1');
  if (options.bearerAuth) builder.addBearerAuth();
  const document = SwaggerModule.createDocument(app, builder.build());
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, ProblemDetails: PROBLEM_SCHEMA as never },
  };
  for (const pathItem of Object.values(document.paths)) {
    for (const operation of Object.values(pathItem)) {
      if (!operation || typeof operation !== 'object' || !('responses' in operation)) continue;
      const responses = operation.responses as Record<string, { description?: string; content?: unknown }>;
      for (const [status, response] of Object.entries(responses)) {
        if (Number(status) >= 400 && !response.content) response.content = PROBLEM_CONTENT;
      }
      for (const [status, description] of Object.entries(COMMON_ERROR_STATUSES)) {
        if ((status === '401' || status === '403') && !needsToken(operation)) continue;
        responses[status] ??= { description, content: PROBLEM_CONTENT };
      }
    }
  }
  return document;
}

/** Public routes (health, the postback URL) carry no security requirement and cannot answer 401 or 403. */
function needsToken(operation: object): boolean {
  const security = (operation as { security?: unknown[] }).security;
  return Array.isArray(security) && security.length > 0;
}
