import { AuthenticatedUser } from '@pp/auth';

const issued = new WeakSet<TenantScope>();

/**
 * The only way into the reporting database: every repository method and SQL helper takes one, and it can only be
 * made from the verified caller (`fromUser`), so a query that forgets the tenant cannot be written.
 */
export class TenantScope {
  private constructor(public readonly tenantId: string) {
    Object.freeze(this);
  }

  static fromUser(user: AuthenticatedUser): TenantScope {
    if (typeof user?.orgId !== 'string' || user.orgId.length === 0) {
      throw new TenantScopeError('An authenticated user without an organisation cannot read tenant data.');
    }
    const scope = new TenantScope(user.orgId);
    issued.add(scope);
    return scope;
  }

  /** Guards against a structurally identical object literal smuggled past the type checker. */
  static assertIssued(scope: TenantScope): void {
    if (!issued.has(scope)) throw new TenantScopeError('Queries need a TenantScope made by TenantScope.fromUser.');
  }
}

export class TenantScopeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TenantScopeError';
  }
}
