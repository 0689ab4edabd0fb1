import { UnsupportedMediaTypeException } from '@nestjs/common';
import type { Request, Response } from 'express';

import { nulBytePaths, RefuseNulBytesPipe, requireJsonBodies } from './input-guards';
import { ValidationProblemException } from './problem';

describe('nulBytePaths', () => {
  it('finds NUL characters in nested values and keys, by path', () => {
    expect(nulBytePaths({ q: 'a\u0000b', nested: { list: ['ok', 'x\u0000'] }, 'k\u0000': 1 }, 'query')).toEqual([
      'query.q',
      'query.nested.list.1',
      'query.k\u0000',
    ]);
    expect(nulBytePaths({ q: 'fine', limit: 5 })).toEqual([]);
  });

  it('makes the pipe refuse the request with the field named', () => {
    const pipe = new RefuseNulBytesPipe();
    expect(() => pipe.transform('a\u0000', { data: 'status' })).toThrow(ValidationProblemException);
    expect(pipe.transform({ status: 'paid' }, {})).toEqual({ status: 'paid' });
  });
});

describe('requireJsonBodies', () => {
  const run = (request: Partial<Request>) => {
    let passed: unknown = 'not called';
    requireJsonBodies(['/v1/postbacks/'])(
      { method: 'POST', path: '/v1/x', headers: {}, ...request } as Request,
      {} as Response,
      (error?: unknown) => (passed = error),
    );
    return passed;
  };

  it('lets JSON bodies and body-less requests through', () => {
    expect(
      run({ headers: { 'content-length': '2', 'content-type': 'application/json; charset=utf-8' } }),
    ).toBeUndefined();
    expect(run({ headers: { 'content-length': '2', 'content-type': 'application/merge-patch+json' } })).toBeUndefined();
    expect(run({ headers: {} })).toBeUndefined();
    expect(run({ method: 'GET', headers: { 'content-length': '5', 'content-type': 'text/plain' } })).toBeUndefined();
  });

  it('answers 415 for any other body, except on the routes that take any type', () => {
    expect(run({ headers: { 'content-length': '5', 'content-type': 'text/plain' } })).toBeInstanceOf(
      UnsupportedMediaTypeException,
    );
    expect(run({ headers: { 'transfer-encoding': 'chunked' } })).toBeInstanceOf(UnsupportedMediaTypeException);
    expect(
      run({ path: '/v1/postbacks/partnerstack/abc', headers: { 'content-length': '5', 'content-type': 'text/plain' } }),
    ).toBeUndefined();
  });
});
