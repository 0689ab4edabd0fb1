import { CallHandler, ExecutionContext, HttpStatus, NotFoundException } from '@nestjs/common';
import { lastValueFrom, throwError } from 'rxjs';

import { RetryAfterInterceptor, RetryLaterException } from './retry-later.exception';

function contextWith(headers: Record<string, string>): ExecutionContext {
  const response = { setHeader: (name: string, value: string) => void (headers[name] = value) };
  return {
    getType: () => 'http',
    switchToHttp: () => ({ getResponse: () => response }),
  } as unknown as ExecutionContext;
}

const failingWith = (error: unknown): CallHandler => ({ handle: () => throwError(() => error) });

describe(RetryAfterInterceptor.name, () => {
  it('sets Retry-After for a RetryLaterException and passes the error on', async () => {
    const headers: Record<string, string> = {};
    const retryAt = new Date('2026-12-02T18:00:00.000Z');
    const error = new RetryLaterException('later', 42, retryAt);
    await expect(
      lastValueFrom(new RetryAfterInterceptor().intercept(contextWith(headers), failingWith(error))),
    ).rejects.toBe(error);
    expect(headers).toEqual({ 'Retry-After': '42' });
    expect(error.getStatus()).toBe(HttpStatus.TOO_MANY_REQUESTS);
    expect(error.getResponse()).toMatchObject({ retryAfterSeconds: 42, retryAt: retryAt.toISOString() });
  });

  it('leaves other errors alone', async () => {
    const headers: Record<string, string> = {};
    const error = new NotFoundException();
    await expect(
      lastValueFrom(new RetryAfterInterceptor().intercept(contextWith(headers), failingWith(error))),
    ).rejects.toBe(error);
    expect(headers).toEqual({});
  });
});
