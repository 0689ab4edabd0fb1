import { createParamDecorator, ExecutionContext } from '@nestjs/common';

import { AuthenticatedUser } from '@pp/auth';

import { TenantScope } from '../database/tenant-scope';

/** The caller's tenant, from the verified JWT (the global guard has run); the only source of a TenantScope. */
export const Tenant = createParamDecorator((_data: unknown, context: ExecutionContext): TenantScope =>
  TenantScope.fromUser(context.switchToHttp().getRequest<{ user: AuthenticatedUser }>().user),
);
