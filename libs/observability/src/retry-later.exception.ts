import { HttpException, HttpStatus } from '@nestjs/common';

/**
 * A 429 that says when to come back: AllExceptionsFilter turns `retryAfterSeconds` into the Retry-After header and
 * keeps it, with `retryAt`, in the problem details.
 */
export class RetryLaterException extends HttpException {
  constructor(
    message: string,
    public readonly retryAfterSeconds: number,
    retryAt: Date = new Date(Date.now() + retryAfterSeconds * 1000),
  ) {
    super(
      { statusCode: HttpStatus.TOO_MANY_REQUESTS, message, retryAfterSeconds, retryAt: retryAt.toISOString() },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}
