import { Readable } from 'node:stream';

import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor, StreamableFile } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Request, Response } from 'express';
import { finalize, Observable, tap, throwError } from 'rxjs';

import { RetryLaterException } from '@pp/observability';

import { wantsCsv } from '../csv/csv';
import { ExportSlots } from './export-slots';
import { requestOrg } from './tenant-request';

/** An export's length is unknown; this is a polite pause before asking again, not a promise a slot is free. */
const EXPORT_RETRY_AFTER_SECONDS = 5;

/**
 * Bounds what CSV exports can hold: at most REPORTING_EXPORTS_PER_TENANT at once per org (429 beyond), and none
 * longer than REPORTING_EXPORT_MAX_SECONDS. A slot is taken before the handler opens its cursor, so a refused export
 * never touches the pool, and given back when the download's stream has closed: by then the cursor's transaction
 * has ended, or (a download destroyed before its first row was pulled) is being rolled back on that same event.
 */
@Injectable()
export class ExportLimitsInterceptor implements NestInterceptor {
  private readonly logger = new Logger(ExportLimitsInterceptor.name);
  private readonly perOrg: number;
  private readonly maxMs: number;
  private readonly slots: ExportSlots;

  constructor(config: ConfigService) {
    this.perOrg = config.getOrThrow<number>('REPORTING_EXPORTS_PER_TENANT');
    this.maxMs = config.getOrThrow<number>('REPORTING_EXPORT_MAX_SECONDS') * 1000;
    this.slots = new ExportSlots(this.perOrg);
  }

  public intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const org = requestOrg(context);
    const http = context.switchToHttp();
    if (org === undefined || !wantsCsv(http.getRequest<Request>().headers.accept)) return next.handle();
    const release = this.slots.tryAcquire(org);
    if (!release)
      return throwError(
        () =>
          new RetryLaterException(
            `This organization already runs ${this.perOrg} CSV exports; retry when one has finished.`,
            EXPORT_RETRY_AFTER_SECONDS,
          ),
      );
    const startedAt = Date.now();
    let streaming = false;
    return next.handle().pipe(
      tap((result) => {
        if (!(result instanceof StreamableFile)) return;
        streaming = true;
        this.supervise(result.getStream(), http.getResponse<Response>(), org, startedAt, release);
      }),
      // An answer that is not a stream (an error, a JSON body for a route without CSV) has finished with the pool.
      finalize(() => {
        if (!streaming) release();
      }),
    );
  }

  private supervise(stream: Readable, response: Response, org: string, startedAt: number, release: () => void): void {
    if (stream.closed) {
      release();
      return;
    }
    const deadline = setTimeout(
      () => {
        this.logger.warn(
          { org, maxSeconds: this.maxMs / 1000 },
          'CSV export cut at its deadline: connection destroyed and cursor closed',
        );
        // Destroying the response, not ending it, is what tells the client its file is incomplete.
        response.destroy();
        stream.destroy();
      },
      Math.max(0, startedAt + this.maxMs - Date.now()),
    );
    deadline.unref();
    stream.once('close', () => {
      clearTimeout(deadline);
      release();
    });
  }
}
