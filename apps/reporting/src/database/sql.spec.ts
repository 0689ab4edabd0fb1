import { and, compile, sql, table, tenant } from './sql';
import { TenantScope, TenantScopeError } from './tenant-scope';

const scope = TenantScope.fromUser({ userId: 'u1', orgId: 'org_a', roles: [] });

describe('tenant-scoped SQL', () => {
  it('binds the tenant of every tenant predicate and every value, in order, as `?`', () => {
    const query = sql`select r.id from ${table('rewards', 'r')} join ${table('referrals', 'c')} on c.id = r.referral_id and ${tenant('c')} where ${and([tenant('r'), sql`r.status = ${'paid'}`])}`;
    expect(compile(scope, query)).toEqual({
      text: 'select r.id from domain.rewards r join domain.referrals c on c.id = r.referral_id and c.tenant_id = ? where (r.tenant_id = ?) and (r.status = ?)',
      values: ['org_a', 'org_a', 'paid'],
    });
  });

  it('binds an array element by element and escapes a literal question mark', () => {
    const query = sql`select 1 from ${table('rewards', 'r')} where ${tenant('r')} and r.raw ? 'key' and r.id = any(${['a', 'b']}::uuid[]) and r.id <> all(${[]}::uuid[])`;
    expect(compile(scope, query)).toEqual({
      text: "select 1 from domain.rewards r where r.tenant_id = ? and r.raw \\? 'key' and r.id = any(array[?, ?]::uuid[]) and r.id <> all(array[]::uuid[])",
      values: ['org_a', 'a', 'b'],
    });
  });

  it('refuses a table alias no tenant predicate constrains', () => {
    const query = sql`select 1 from ${table('rewards', 'r')} join ${table('referrals', 'c')} on c.id = r.referral_id where ${tenant('r')}`;
    expect(() => compile(scope, query)).toThrow(TenantScopeError);
  });

  it('refuses a domain table named in plain text', () => {
    const query = sql`select 1 from ${table('rewards', 'r')} where ${tenant('r')} and exists (select 1 from domain.referrals)`;
    expect(() => compile(scope, query)).toThrow(/table\(\)/);
  });

  it('refuses a query that reads no domain table and a scope not made from a user', () => {
    expect(() => compile(scope, sql`select 1`)).toThrow(TenantScopeError);
    const forged = { tenantId: 'org_b' } as unknown as TenantScope;
    expect(() => compile(forged, sql`select 1 from ${table('rewards', 'r')} where ${tenant('r')}`)).toThrow(
      TenantScopeError,
    );
  });

  it('refuses a user without an organisation', () => {
    expect(() => TenantScope.fromUser({ userId: 'u1', orgId: '', roles: [] })).toThrow(TenantScopeError);
  });

  it('never splices values into the text', () => {
    const evil = "x' or '1'='1";
    const { text, values } = compile(
      scope,
      sql`select 1 from ${table('rewards', 'r')} where ${tenant('r')} and r.id = ${evil}`,
    );
    expect(text).not.toContain(evil);
    expect(values).toEqual(['org_a', evil]);
  });
});
