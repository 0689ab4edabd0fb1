import { ArgumentsHost, ForbiddenException, HttpException, HttpStatus, Logger, ValidationError } from '@nestjs/common';

import { AllExceptionsFilter } from './all-exceptions.filter';
import { PROBLEM_CONTENT_TYPE, validationExceptionFactory } from './problem';
import { RetryLaterException } from './retry-later.exception';

interface Captured {
  status?: number;
  type?: string;
  body?: Record<string, unknown>;
  headers: Record<string, string>;
  destroyed: boolean;
}

function answer(exception: unknown, { headersSent = false } = {}): Captured {
  const captured: Captured = { headers: {}, destroyed: false };
  const response = {
    headersSent,
    status(code: number) {
      captured.status = code;
      return this;
    },
    type(value: string) {
      captured.type = value;
      return this;
    },
    send(text: string) {
      captured.body = JSON.parse(text) as Record<string, unknown>;
      return this;
    },
    setHeader(name: string, value: string) {
      captured.headers[name] = value;
    },
    destroy() {
      captured.destroyed = true;
    },
  };
  const host = {
    switchToHttp: () => ({ getResponse: () => response, getRequest: () => ({ originalUrl: '/v1/referrals?limit=x' }) }),
  } as unknown as ArgumentsHost;
  new AllExceptionsFilter().catch(exception, host);
  return captured;
}

describe('AllExceptionsFilter', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('answers an HttpException as problem details and keeps the old fields', () => {
    const { status, type, body } = answer(new ForbiddenException('This action needs the role(s): admin.'));
    expect(status).toBe(403);
    expect(type).toBe(PROBLEM_CONTENT_TYPE);
    expect(body).toMatchObject({
      type: 'urn:partner-partner:problem:forbidden',
      title: 'Forbidden',
      status: 403,
      detail: 'This action needs the role(s): admin.',
      instance: '/v1/referrals',
      statusCode: 403,
      message: 'This action needs the role(s): admin.',
      error: 'Forbidden',
    });
  });

  it('names every invalid field of a validation failure', () => {
    const errors: ValidationError[] = [
      { property: 'limit', constraints: { max: 'limit must not be greater than 500' }, children: [] },
      {
        property: 'range',
        children: [{ property: 'from', constraints: { isDate: 'from must be a date' }, children: [] }],
      },
    ];
    const { status, body } = answer(validationExceptionFactory(errors));
    expect(status).toBe(400);
    expect(body?.type).toBe('urn:partner-partner:problem:validation-failed');
    expect(body?.errors).toEqual([
      { field: 'limit', message: 'limit must not be greater than 500' },
      { field: 'range.from', message: 'from must be a date' },
    ]);
    expect(body?.message).toEqual(['limit must not be greater than 500', 'from must be a date']);
  });

  it('turns body-parser refusals and PostgreSQL data exceptions into 4xx, not 500', () => {
    const tooLarge = Object.assign(new Error('request entity too large'), {
      status: 413,
      expose: true,
      type: 'entity.too.large',
    });
    expect(answer(tooLarge).status).toBe(413);
    const badUuid = Object.assign(new Error('invalid input syntax for type uuid: "x"'), { code: '22P02' });
    const wrapped = Object.assign(new Error('query failed'), { cause: badUuid });
    const { status, body } = answer(wrapped);
    expect(status).toBe(400);
    expect(JSON.stringify(body)).not.toContain('uuid');
  });

  it('answers a saturated pool with 503 and Retry-After', () => {
    const timeout = Object.assign(new Error('Knex: Timeout acquiring a connection.'), { name: 'KnexTimeoutError' });
    const { status, headers } = answer(timeout);
    expect(status).toBe(503);
    expect(Number(headers['Retry-After'])).toBeGreaterThan(0);
  });

  it('sets Retry-After from a 429 that says when to come back', () => {
    const limited = new HttpException({ message: 'Slow down', retryAfterSeconds: 42 }, HttpStatus.TOO_MANY_REQUESTS);
    const { headers, body } = answer(limited);
    expect(headers['Retry-After']).toBe('42');
    expect(body?.retryAfterSeconds).toBe(42);
  });

  it('keeps when a RetryLaterException says to come back, as header and as problem fields', () => {
    const retryAt = new Date('2026-12-03T08:00:00.000Z');
    const { status, headers, body } = answer(new RetryLaterException('Too many attempts', 30, retryAt));
    expect(status).toBe(429);
    expect(headers['Retry-After']).toBe('30');
    expect(body).toMatchObject({ retryAfterSeconds: 30, retryAt: retryAt.toISOString(), detail: 'Too many attempts' });
  });

  it('hides the internals of an unexpected error', () => {
    const { status, body } = answer(new Error('relation "domain.secret_table" does not exist'));
    expect(status).toBe(500);
    expect(JSON.stringify(body)).not.toContain('secret_table');
  });

  it('breaks the connection when a stream has already started, so a truncated file never looks complete', () => {
    expect(answer(new Error('cursor failed'), { headersSent: true }).destroyed).toBe(true);
  });
});
