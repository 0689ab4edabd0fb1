import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';

import { currentCorrelationId } from './correlation';

/**
 * HTTP errors pass through with their message; anything else is logged with the correlation id and answered
 * as a generic 500, so internals (SQL, stack traces, upstream bodies) never reach a client.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger(AllExceptionsFilter.name);

  public catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const correlationId = currentCorrelationId();
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const payload = typeof body === 'string' ? { message: body, statusCode: status } : { ...(body as object) };
      response.status(status).json({ ...payload, correlationId });
      return;
    }
    this.logger.error({ err: exception }, 'Unhandled error');
    response
      .status(HttpStatus.INTERNAL_SERVER_ERROR)
      .json({ statusCode: 500, message: 'Internal server error; quote the correlation id to support.', correlationId });
  }
}
