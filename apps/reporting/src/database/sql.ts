import { TenantScope, TenantScopeError } from './tenant-scope';

/** The one schema the reporting service reads (the normalizer's model). */
export const DOMAIN_SCHEMA = 'domain';

type Part =
  | { kind: 'text'; text: string }
  | { kind: 'value'; value: unknown }
  | { kind: 'table'; table: string; alias: string }
  | { kind: 'tenant'; alias: string };

/** A piece of SQL with its bound values; built only with the `sql` tag, so values are never spliced into text. */
export class Sql {
  constructor(readonly parts: readonly Part[]) {}
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

function identifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`Not a plain SQL identifier: '${name}'`);
  return name;
}

export function sql(strings: TemplateStringsArray, ...values: unknown[]): Sql {
  const parts: Part[] = [];
  strings.forEach((text, index) => {
    parts.push({ kind: 'text', text });
    if (index < values.length) {
      const value = values[index];
      if (value instanceof Sql) parts.push(...value.parts);
      else parts.push({ kind: 'value', value });
    }
  });
  return new Sql(parts);
}

/** Trusted SQL text (column names from a whitelist, sort directions); never user input. */
export function raw(text: string): Sql {
  return new Sql([{ kind: 'text', text }]);
}

export function join(fragments: Sql[], separator = sql`, `): Sql {
  const parts: Part[] = [];
  fragments.forEach((fragment, index) => {
    if (index > 0) parts.push(...separator.parts);
    parts.push(...fragment.parts);
  });
  return new Sql(parts);
}

/** `and`-joins conditions; an empty list is `true`. */
export function and(conditions: Array<Sql | undefined | null | false | ''>): Sql {
  const present = conditions.filter((condition): condition is Sql => condition instanceof Sql);
  return present.length === 0
    ? sql`true`
    : join(
        present.map((condition) => sql`(${condition})`),
        sql` and `,
      );
}

/** `domain.<table> <alias>`: the only way a query may name a domain table. */
export function table(name: string, alias: string): Sql {
  return new Sql([{ kind: 'table', table: identifier(name), alias: identifier(alias) }]);
}

/** `<alias>.tenant_id = ?`, bound to the scope's tenant. */
export function tenant(alias: string): Sql {
  return new Sql([{ kind: 'tenant', alias: identifier(alias) }]);
}

export interface CompiledQuery {
  text: string;
  values: unknown[];
}

const DOMAIN_REFERENCE = new RegExp(`\\b${DOMAIN_SCHEMA}\\s*\\.`, 'i');

/** A bound value: `?`, or `array[?, …]` for an array (SqlDatabase's `?` would splice an array as a list). */
function placeholder(value: unknown, values: unknown[]): string {
  if (!Array.isArray(value)) {
    values.push(value);
    return '?';
  }
  values.push(...value);
  return `array[${value.map(() => '?').join(', ')}]`;
}

/**
 * Turns a query into text with `?` placeholders (SqlDatabase's, a literal `?` escaped as `\?`) and their values,
 * every tenant predicate bound to the scope's tenant. Refuses (throws) a query that names a
 * domain table without `table()`, or that reads a table alias no `tenant(alias)` predicate constrains: a query
 * cannot reach rows of another tenant by forgetting a condition.
 */
export function compile(scope: TenantScope, query: Sql): CompiledQuery {
  TenantScope.assertIssued(scope);
  const values: unknown[] = [];
  const tables = new Set<string>();
  const constrained = new Set<string>();
  let text = '';
  for (const part of query.parts) {
    switch (part.kind) {
      case 'text':
        if (DOMAIN_REFERENCE.test(part.text)) {
          throw new TenantScopeError(`Domain tables must be named with table(): '${part.text.trim().slice(0, 80)}'`);
        }
        text += part.text.replaceAll('?', '\\?');
        break;
      case 'value':
        text += placeholder(part.value, values);
        break;
      case 'table':
        tables.add(part.alias);
        text += `${DOMAIN_SCHEMA}.${part.table} ${part.alias}`;
        break;
      case 'tenant':
        constrained.add(part.alias);
        text += `${part.alias}.tenant_id = ${placeholder(scope.tenantId, values)}`;
        break;
    }
  }
  const unconstrained = [...tables].filter((alias) => !constrained.has(alias));
  if (unconstrained.length > 0) {
    throw new TenantScopeError(`Query reads table alias(es) ${unconstrained.join(', ')} without a tenant predicate.`);
  }
  if (tables.size === 0) throw new TenantScopeError('A tenant-scoped query must read at least one domain table.');
  return { text, values };
}
