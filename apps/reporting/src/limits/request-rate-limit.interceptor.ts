import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Observable, throwError } from 'rxjs';

import { RetryLaterException } from '@pp/observability';

import { RequestRateLimiter } from './request-rate-limiter';
import { requestOrg } from './tenant-request';

/**
 * REPORTING_REQUESTS_PER_MINUTE per org, counted after the JWT guard (an interceptor runs after every guard), so
 * the limit follows the verified org and one agency's script cannot take the service from the others.
 */
@Injectable()
export class RequestRateLimitInterceptor implements NestInterceptor {
  private readonly perMinute: number;
  private readonly limiter: RequestRateLimiter;

  constructor(config: ConfigService) {
    this.perMinute = config.getOrThrow<number>('REPORTING_REQUESTS_PER_MINUTE');
    this.limiter = new RequestRateLimiter(this.perMinute);
  }

  public intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const org = requestOrg(context);
    if (org === undefined) return next.handle();
    const decision = this.limiter.take(org);
    if (decision.allowed) return next.handle();
    return throwError(
      () =>
        new RetryLaterException(
          `This organization made more than ${this.perMinute} requests in a minute; retry later.`,
          decision.retryAfterSeconds,
        ),
    );
  }
}
