import { ExecutionContext, ForbiddenException, Injectable, SetMetadata, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';

import { PUBLIC_ROUTE } from '@pp/observability';

import { AuthenticatedUser, JwtClaims } from './auth.types';

export const REQUIRED_ROLES = 'pp:required-roles';

/** Restricts a route to users holding every listed role (in their org). */
export const RequireRoles = (...roles: string[]) => SetMetadata(REQUIRED_ROLES, roles);

/**
 * Global guard: every route needs a valid JWT unless marked public. A token without `org` is 403
 * (authenticated, but not tied to a tenant); a missing role is 403 with the role named.
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  public override async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    await (super.canActivate(context) as Promise<boolean>);
    const request = context.switchToHttp().getRequest<{ user: JwtClaims | AuthenticatedUser }>();
    const claims = request.user as JwtClaims;
    if (typeof claims.org !== 'string' || claims.org.length === 0) {
      throw new ForbiddenException('The token carries no organisation (org claim); ask the main app for a new one.');
    }
    const user: AuthenticatedUser = {
      userId: claims.sub,
      orgId: claims.org,
      roles: Array.isArray(claims.roles) ? claims.roles.filter((role): role is string => typeof role === 'string') : [],
    };
    request.user = user;
    const required = this.reflector.getAllAndOverride<string[] | undefined>(REQUIRED_ROLES, targets) ?? [];
    const missing = required.filter((role) => !user.roles.includes(role));
    if (missing.length > 0) {
      throw new ForbiddenException(`This action needs the role(s): ${missing.join(', ')}.`);
    }
    return true;
  }

  public override handleRequest<T>(error: unknown, user: T, info: unknown): T {
    if (error || !user) {
      const reason = info instanceof Error ? info.message : 'missing or invalid bearer token';
      throw new UnauthorizedException(`Authentication failed: ${reason}.`);
    }
    return user;
  }
}
