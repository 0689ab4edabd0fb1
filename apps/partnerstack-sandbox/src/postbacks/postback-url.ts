import { registerDecorator, ValidationOptions } from 'class-validator';

import { POSTBACK_LOOPBACK_HOSTNAMES, POSTBACK_LOOPBACK_IPV4, POSTBACK_URL_MAX_LENGTH } from '../sandbox.constants';

/** Why `value` may not be a postback target, or null when it may: http(s) on a loopback host, no credentials. */
export function postbackUrlProblem(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > POSTBACK_URL_MAX_LENGTH) {
    return `postbackUrl must be a URL of at most ${POSTBACK_URL_MAX_LENGTH} characters, or null`;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'postbackUrl is not a valid URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'postbackUrl must use http or https';
  if (url.username || url.password) return 'postbackUrl must not carry credentials';
  const loopback =
    (POSTBACK_LOOPBACK_HOSTNAMES as readonly string[]).includes(url.hostname) ||
    POSTBACK_LOOPBACK_IPV4.test(url.hostname);
  return loopback
    ? null
    : 'postbackUrl must point at this machine (localhost, 127.0.0.0/8 or [::1]): the sandbox only calls test receivers';
}

/** Host and port only: what logs may say about a postback target (its path could hold a receiver's secret). */
export function postbackOrigin(value: string): string {
  return new URL(value).host;
}

export function IsPostbackUrl(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isPostbackUrl',
      target: target.constructor,
      propertyName: String(propertyName),
      options,
      validator: {
        validate: (value: unknown) => value === null || value === undefined || postbackUrlProblem(value) === null,
        defaultMessage: (args) => postbackUrlProblem(args?.value) ?? 'postbackUrl is invalid',
      },
    });
}
