import { BadRequestException, HttpStatus, ValidationError } from '@nestjs/common';

/** One invalid input, named so a form can put the message beside its field. */
export interface FieldProblem {
  /** Dotted path of the field (`limit`, `streams.0.name`), or a header/query name. */
  field: string;
  message: string;
}

/**
 * An error as RFC 9457 problem details (`application/problem+json`), plus the fields clients read before it
 * existed (`statusCode`, `message`, `error`), kept so the old error shape goes on working.
 */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  correlationId?: string;
  errors?: FieldProblem[];
  retryAfterSeconds?: number;
  statusCode: number;
  message: string | string[];
  error: string;
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** URNs, not URLs: a problem type is a stable name clients can switch on, and it promises no page to fetch. */
const PROBLEM_TYPES: Record<number, { slug: string; title: string }> = {
  400: { slug: 'invalid-request', title: 'Bad Request' },
  401: { slug: 'unauthenticated', title: 'Unauthorized' },
  403: { slug: 'forbidden', title: 'Forbidden' },
  404: { slug: 'not-found', title: 'Not Found' },
  405: { slug: 'method-not-allowed', title: 'Method Not Allowed' },
  406: { slug: 'not-acceptable', title: 'Not Acceptable' },
  409: { slug: 'conflict', title: 'Conflict' },
  413: { slug: 'payload-too-large', title: 'Payload Too Large' },
  415: { slug: 'unsupported-media-type', title: 'Unsupported Media Type' },
  422: { slug: 'unprocessable', title: 'Unprocessable Content' },
  429: { slug: 'rate-limited', title: 'Too Many Requests' },
  500: { slug: 'internal', title: 'Internal Server Error' },
  502: { slug: 'upstream-failed', title: 'Bad Gateway' },
  503: { slug: 'unavailable', title: 'Service Unavailable' },
  504: { slug: 'upstream-timeout', title: 'Gateway Timeout' },
};

export function problemType(status: number, fieldErrors = false): string {
  if (status === 400 && fieldErrors) return 'urn:partner-partner:problem:validation-failed';
  return `urn:partner-partner:problem:${PROBLEM_TYPES[status]?.slug ?? (status >= 500 ? 'internal' : 'invalid-request')}`;
}

export function problemTitle(status: number): string {
  return PROBLEM_TYPES[status]?.title ?? (status >= 500 ? 'Server Error' : 'Client Error');
}

/** Flattens class-validator's tree into one entry per failed constraint, nested fields by dotted path. */
export function fieldProblems(errors: ValidationError[], parent = ''): FieldProblem[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...fieldProblems(error.children ?? [], field)];
  });
}

/** What the global ValidationPipe throws: a 400 that names each invalid field. */
export class ValidationProblemException extends BadRequestException {
  constructor(public readonly fields: FieldProblem[]) {
    super({
      statusCode: HttpStatus.BAD_REQUEST,
      message: fields.map((field) => field.message),
      error: 'Bad Request',
      errors: fields,
    });
  }
}

export const validationExceptionFactory = (errors: ValidationError[]) =>
  new ValidationProblemException(fieldProblems(errors));
