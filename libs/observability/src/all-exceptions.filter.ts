import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';

import { currentCorrelationId } from './correlation';
import { FieldProblem, PROBLEM_CONTENT_TYPE, ProblemDetails, problemTitle, problemType } from './problem';

/** How long a client should wait before retrying when the database is saturated rather than broken. */
const SATURATED_RETRY_AFTER_SECONDS = 5;

interface Classified {
  status: number;
  detail: string;
  extensions?: Record<string, unknown>;
  errors?: FieldProblem[];
  retryAfterSeconds?: number;
}

/** PostgreSQL's SQLSTATE, wherever the driver or MikroORM put it. */
function sqlState(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 4; depth += 1) {
    const candidate = current as { code?: unknown; sqlState?: unknown; cause?: unknown };
    for (const code of [candidate.sqlState, candidate.code])
      if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    current = candidate.cause;
  }
  return undefined;
}

/**
 * Errors a client caused or can wait out, though they did not arrive as HttpExceptions: body-parser's (too large,
 * malformed JSON, unsupported charset), PostgreSQL refusing a value (SQLSTATE class 22, data exception) and a
 * saturated pool or a cancelled statement. Anything else is a bug and stays a 500.
 */
function classifyForeign(exception: unknown): Classified | undefined {
  const error = exception as { status?: unknown; expose?: unknown; type?: unknown; message?: unknown; name?: unknown };
  if (typeof error?.status === 'number' && error.status >= 400 && error.status < 500 && error.expose === true) {
    const detail =
      error.type === 'entity.too.large'
        ? 'The request body is larger than this endpoint accepts.'
        : error.type === 'entity.parse.failed'
          ? 'The request body is not valid JSON.'
          : typeof error.message === 'string'
            ? error.message
            : problemTitle(error.status);
    return { status: error.status, detail };
  }
  const state = sqlState(exception);
  if (state?.startsWith('22'))
    return { status: HttpStatus.BAD_REQUEST, detail: 'A parameter has a value out of range or of the wrong form.' };
  // 57014: statement cancelled by statement_timeout; 53300: too many connections.
  if (state === '57014' || state === '53300' || error?.name === 'KnexTimeoutError')
    return {
      status: HttpStatus.SERVICE_UNAVAILABLE,
      detail: 'The service is busy; retry shortly.',
      retryAfterSeconds: SATURATED_RETRY_AFTER_SECONDS,
    };
  return undefined;
}

function classifyHttp(exception: HttpException): Classified {
  const status = exception.getStatus();
  const body = exception.getResponse();
  if (typeof body === 'string') return { status, detail: body };
  const { message, errors, statusCode: _statusCode, error: _error, ...extensions } = body as Record<string, unknown>;
  const messages = Array.isArray(message) ? message.map(String) : typeof message === 'string' ? [message] : [];
  const fieldErrors = Array.isArray(errors) ? (errors as FieldProblem[]) : undefined;
  const retryAfter = extensions.retryAfterSeconds;
  return {
    status,
    detail: messages.length > 0 ? messages.join('; ') : exception.message,
    extensions,
    errors: fieldErrors,
    retryAfterSeconds: typeof retryAfter === 'number' && retryAfter > 0 ? Math.ceil(retryAfter) : undefined,
  };
}

/**
 * Every error leaves as problem details. HTTP errors keep their message; errors a client caused (a body too large,
 * a value PostgreSQL cannot read) become their 4xx; anything else is logged with the correlation id and answered as
 * a generic 500, so internals (SQL, stack traces, upstream bodies) never reach a client.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger(AllExceptionsFilter.name);

  public catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const request = http.getRequest<Request>();
    const classified =
      exception instanceof HttpException ? classifyHttp(exception) : (classifyForeign(exception) ?? undefined);
    if (!classified) this.logger.error({ err: exception }, 'Unhandled error');
    else if (classified.status >= 500) this.logger.warn({ err: exception }, classified.detail);
    const {
      status,
      detail,
      extensions = {},
      errors,
      retryAfterSeconds,
    } = classified ?? {
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      detail: 'Internal server error; quote the correlation id to support.',
    };
    if (response.headersSent) {
      // A stream (a CSV export) failed after its first bytes: the only honest signal left is a broken connection,
      // so the client never mistakes a truncated file for a complete one.
      response.destroy(exception instanceof Error ? exception : undefined);
      return;
    }
    const problem: ProblemDetails = {
      ...extensions,
      type: problemType(status, Boolean(errors?.length)),
      title: problemTitle(status),
      status,
      detail,
      instance: request?.originalUrl?.split('?')[0] ?? '',
      correlationId: currentCorrelationId(),
      ...(errors?.length ? { errors } : {}),
      ...(retryAfterSeconds ? { retryAfterSeconds } : {}),
      statusCode: status,
      message: exception instanceof HttpException ? legacyMessage(exception, detail) : detail,
      error: problemTitle(status),
    };
    if (retryAfterSeconds) response.setHeader('Retry-After', String(retryAfterSeconds));
    response.status(status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
  }
}

/** The `message` clients read before problem details: a string, or for validation errors the list of messages. */
function legacyMessage(exception: HttpException, detail: string): string | string[] {
  const body = exception.getResponse();
  if (typeof body === 'object' && body !== null && Array.isArray((body as { message?: unknown }).message))
    return (body as { message: string[] }).message;
  return detail;
}
