import { ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

import { AuthenticatedUser } from '@pp/auth';

/** The org of an HTTP request's verified JWT; undefined for public routes (health, metrics) and other transports. */
export function requestOrg(context: ExecutionContext): string | undefined {
  if (context.getType() !== 'http') return undefined;
  return context.switchToHttp().getRequest<Request & { user?: AuthenticatedUser }>().user?.orgId;
}
