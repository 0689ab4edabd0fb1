import { Injectable, PipeTransform, UnsupportedMediaTypeException } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

import { FieldProblem, ValidationProblemException } from './problem';

/** Where a NUL character hides in a value: PostgreSQL text cannot hold one and would answer a 500. */
export function nulBytePaths(value: unknown, path = ''): string[] {
  if (typeof value === 'string') return value.includes('\u0000') ? [path || '(value)'] : [];
  if (value === null || typeof value !== 'object') return [];
  if (Array.isArray(value))
    return value.flatMap((item, index) => nulBytePaths(item, path ? `${path}.${index}` : `${index}`));
  return Object.entries(value as Record<string, unknown>).flatMap(([key, inner]) => [
    ...(key.includes('\u0000') ? [path ? `${path}.${key}` : key] : []),
    ...nulBytePaths(inner, path ? `${path}.${key}` : key),
  ]);
}

/** Refuses any query, path or body value holding a NUL character, naming the field, before a handler sees it. */
@Injectable()
export class RefuseNulBytesPipe implements PipeTransform {
  public transform(value: unknown, metadata: { data?: string }): unknown {
    const paths = nulBytePaths(value, metadata.data ?? '');
    if (paths.length > 0) {
      const problems: FieldProblem[] = paths.map((field) => ({
        field,
        message: `${field} must not contain NUL characters`,
      }));
      throw new ValidationProblemException(problems);
    }
    return value;
  }
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/**
 * 415 for a request body that is not JSON, on every route but `anyMediaTypePrefixes` (the postback URL takes whatever
 * PartnerStack sends): body-parser would otherwise skip it and the handler would see an empty body.
 */
export function requireJsonBodies(anyMediaTypePrefixes: readonly string[] = []) {
  return (request: Request, _response: Response, next: NextFunction): void => {
    const hasBody =
      Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined;
    if (!BODY_METHODS.has(request.method) || !hasBody) return next();
    if (anyMediaTypePrefixes.some((prefix) => request.path.startsWith(prefix))) return next();
    const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type === 'application/json' || /^application\/[\w.+-]+\+json$/.test(type)) return next();
    next(new UnsupportedMediaTypeException(`Send the body as application/json (got ${type || 'no content type'}).`));
  };
}
