import { CallHandler, ExecutionContext, HttpException, HttpStatus, Injectable, NestInterceptor } from '@nestjs/common';
import type { Response } from 'express';
import { catchError, Observable, throwError } from 'rxjs';

/** A 429 that says when to come back, in the body and (through RetryAfterInterceptor) the Retry-After header. */
export class RetryLaterException extends HttpException {
  constructor(
    message: string,
    public readonly retryAfterSeconds: number,
    retryAt: Date,
  ) {
    super(
      { statusCode: HttpStatus.TOO_MANY_REQUESTS, message, retryAfterSeconds, retryAt: retryAt.toISOString() },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}

/** Sets `Retry-After` before the global exception filter writes the body of a RetryLaterException. */
@Injectable()
export class RetryAfterInterceptor implements NestInterceptor {
  public intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      catchError((error: unknown) => {
        if (error instanceof RetryLaterException && context.getType() === 'http') {
          context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(error.retryAfterSeconds));
        }
        return throwError(() => error);
      }),
    );
  }
}
