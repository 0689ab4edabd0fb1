import { Injectable, UnauthorizedException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';

import { JwtClaims } from './auth.types';

/** Small allowance for clocks of the main app and ours that disagree by a few seconds. */
const CLOCK_TOLERANCE_SECONDS = 30;

export interface JwtLifetimePolicy {
  maxAgeSeconds: number;
  nowSeconds: number;
}

/**
 * Why a signature-valid token is still refused, or undefined when it is acceptable. passport-jwt checks `exp` only
 * when present and `iat` age only when asked to and only if `iat` exists; a user token must expire, and within the
 * maximum age, whichever claim it carries.
 */
export function lifetimeProblem(
  claims: JwtClaims,
  { maxAgeSeconds, nowSeconds }: JwtLifetimePolicy,
): string | undefined {
  if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) return 'the token has no expiry (exp claim)';
  if (claims.iat !== undefined) {
    if (typeof claims.iat !== 'number' || !Number.isFinite(claims.iat)) return 'the token has a malformed iat claim';
    if (claims.iat > nowSeconds + CLOCK_TOLERANCE_SECONDS) return 'the token was issued in the future (iat claim)';
    if (nowSeconds - claims.iat > maxAgeSeconds) return `the token is older than ${maxAgeSeconds} seconds`;
  }
  const issuedAt = typeof claims.iat === 'number' ? claims.iat : nowSeconds;
  if (claims.exp - issuedAt > maxAgeSeconds + CLOCK_TOLERANCE_SECONDS)
    return `the token lives longer than the ${maxAgeSeconds} seconds allowed`;
  return undefined;
}

/** Verifies HS256 user JWTs issued by the main app: signature, `exp` (required), optional issuer and audience, age. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  private readonly maxAgeSeconds: number;

  constructor(config: ConfigService) {
    const issuer = config.get<string>('JWT_ISSUER');
    const audience = config.get<string>('JWT_AUDIENCE');
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      ignoreExpiration: false,
      secretOrKey: config.getOrThrow<string>('JWT_SECRET'),
      algorithms: ['HS256'],
      ...(issuer ? { issuer } : {}),
      ...(audience ? { audience } : {}),
      jsonWebTokenOptions: { clockTolerance: CLOCK_TOLERANCE_SECONDS },
    });
    this.maxAgeSeconds = config.get<number>('JWT_MAX_AGE_SECONDS') ?? 86_400;
  }

  public validate(claims: JwtClaims): JwtClaims {
    if (typeof claims.sub !== 'string' || claims.sub.length === 0) {
      throw new UnauthorizedException('The token has no subject (sub claim).');
    }
    const problem = lifetimeProblem(claims, {
      maxAgeSeconds: this.maxAgeSeconds,
      nowSeconds: Math.floor(Date.now() / 1000),
    });
    if (problem) throw new UnauthorizedException(`Authentication failed: ${problem}.`);
    return claims;
  }
}
