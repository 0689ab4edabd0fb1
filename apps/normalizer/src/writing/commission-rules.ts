import type { Knex } from '@mikro-orm/knex';

import { CommissionRule, stableId } from '@pp/domain';

import type { CommissionRuleRow, MappedRow } from '../mapping/mapped-record';
import { OFFER_VALID_FROM } from '../mapping/partnerstack-assumptions.constants';

import { columnOf, metadataOf, qualifiedTable } from './table-model';

/** One offer version as a batch's snapshots show it: the terms, and the span of partnership versions showing it. */
interface RuleVersion extends CommissionRuleRow {
  id: string;
  tenantId: string;
  partnershipId: string;
  firstVersionAt: string;
  lastVersionAt: string;
  firstSeenAt: string;
}

/** Set by the database (its default) or derived by these statements from the stored rows, never sent. */
const NOT_SENT = new Set(['createdAt', 'validFrom', 'validTo']);

function statements(): { kind: string; upsertSql: string; closeSql: string } {
  const meta = metadataOf(CommissionRule);
  const table = qualifiedTable(meta);
  const column = (property: keyof CommissionRule) => columnOf(meta, property).name;
  const sent = meta.props
    .filter((prop) => prop.persist !== false && !NOT_SENT.has(prop.name))
    .map((prop) => columnOf(meta, prop.name));
  const [validFrom, validTo, offerCreatedAt, firstVersionAt, lastVersionAt, firstSeenAt, position, raw] = (
    [
      'validFrom',
      'validTo',
      'offerCreatedAt',
      'firstVersionAt',
      'lastVersionAt',
      'firstSeenAt',
      'position',
      'raw',
    ] as const
  ).map(column);
  const [tenantId, partnershipId, termsKey] = (['tenantId', 'partnershipId', 'termsKey'] as const).map(column);
  // `least`/`greatest` skip nulls: each span is the union of every snapshot's, whatever their order.
  const merged = (name: string, merge: 'least' | 'greatest') => `${merge}(t.${name}, excluded.${name})`;
  const validFromOf = (createdAt: string, firstVersion: string) =>
    OFFER_VALID_FROM.fromOfferCreatedAt ? `coalesce(${createdAt}, ${firstVersion})` : firstVersion;
  const newer = `(excluded.${lastVersionAt}, md5(excluded.${raw}::text)) > (t.${lastVersionAt}, md5(t.${raw}::text))`;
  const upsertSql = `insert into ${table} as t (${[...sent.map((c) => c.name), validFrom].join(', ')})
select ${sent.map((c) => `x."${c.property}"`).join(', ')}, ${validFromOf('x."offerCreatedAt"', 'x."firstVersionAt"')}
from jsonb_to_recordset(?::jsonb) as x(${sent.map((c) => c.definition).join(', ')})
on conflict (${partnershipId}, ${termsKey}) do update set
  ${position} = ${merged(position, 'least')},
  ${offerCreatedAt} = ${merged(offerCreatedAt, 'least')},
  ${firstVersionAt} = ${merged(firstVersionAt, 'least')},
  ${lastVersionAt} = ${merged(lastVersionAt, 'greatest')},
  ${firstSeenAt} = ${merged(firstSeenAt, 'least')},
  ${raw} = case when ${newer} then excluded.${raw} else t.${raw} end,
  ${validFrom} = ${validFromOf(merged(offerCreatedAt, 'least'), merged(firstVersionAt, 'least'))}`;
  // A version ends by the first partnership version known after its last one (the earliest later first or last
  // sighting of any offer version of the partnership), or earlier: when an offer first seen after its last sighting
  // came into force before that version, its `valid_from` is the change (OFFER_VALID_FROM).
  const closeSql = `with partnerships as (
  select distinct p."tenantId", p."partnershipId"
    from jsonb_to_recordset(?::jsonb) as p("tenantId" text, "partnershipId" uuid)
),
ends as (
  select cr.id, least(
    (select min(v.at) from ${table} o cross join lateral (values (o.${firstVersionAt}), (o.${lastVersionAt})) as v (at)
      where o.${tenantId} = cr.${tenantId} and o.${partnershipId} = cr.${partnershipId} and v.at > cr.${lastVersionAt}),
    (select min(o.${validFrom}) from ${table} o
      where o.${tenantId} = cr.${tenantId} and o.${partnershipId} = cr.${partnershipId}
        and o.${firstVersionAt} > cr.${lastVersionAt} and o.${validFrom} > cr.${lastVersionAt})
  ) as valid_to
  from partnerships p
  join ${table} cr on cr.${tenantId} = p."tenantId" and cr.${partnershipId} = p."partnershipId"
)
update ${table} cr set ${validTo} = e.valid_to
from ends e
where cr.id = e.id and cr.${validTo} is distinct from e.valid_to`;
  return { kind: meta.tableName, upsertSql, closeSql };
}

/** The later of two snapshots of one offer version, so its stored raw offer never depends on arrival order. */
function later(a: RuleVersion, b: RuleVersion): RuleVersion {
  if (a.lastVersionAt !== b.lastVersionAt) return a.lastVersionAt > b.lastVersionAt ? a : b;
  return JSON.stringify(a.raw) >= JSON.stringify(b.raw) ? a : b;
}

const earliest = (a: string | null, b: string | null) => (a === null ? b : b === null || a <= b ? a : b);

/**
 * The offer history (issue 14): every partnership version's offers, superseded versions included, merged into one
 * row per version of the terms, first and last seen; a version no longer shown is closed (`valid_to`). Built from the
 * set of snapshots seen, so the history does not depend on the order they arrive in.
 */
export class CommissionRuleWriter {
  private readonly sql = statements();

  public async snapshot(trx: Knex.Transaction, snapshots: MappedRow[]): Promise<void> {
    const versions = new Map<string, RuleVersion>();
    for (const { row, commissionRules } of snapshots) {
      const versionAt = (row.sourceUpdatedAt ?? row.lastFetchedAt) as string;
      for (const rule of commissionRules ?? []) {
        const version: RuleVersion = {
          ...rule,
          id: stableId(row.tenantId, this.sql.kind, `${row.externalKey}#${rule.termsKey}`),
          tenantId: row.tenantId,
          partnershipId: row.id,
          firstVersionAt: versionAt,
          lastVersionAt: versionAt,
          firstSeenAt: row.lastFetchedAt,
        };
        const seen = versions.get(version.id);
        versions.set(
          version.id,
          seen
            ? {
                ...later(seen, version),
                position: Math.min(seen.position, version.position),
                offerCreatedAt: earliest(seen.offerCreatedAt, version.offerCreatedAt),
                firstVersionAt: earliest(seen.firstVersionAt, version.firstVersionAt)!,
                lastVersionAt: seen.lastVersionAt > version.lastVersionAt ? seen.lastVersionAt : version.lastVersionAt,
                firstSeenAt: earliest(seen.firstSeenAt, version.firstSeenAt)!,
              }
            : version,
        );
      }
    }
    if (versions.size === 0) return;
    const rows = [...versions.values()];
    await trx.raw(this.sql.upsertSql, [JSON.stringify(rows)]);
    await trx.raw(this.sql.closeSql, [
      JSON.stringify(rows.map(({ tenantId, partnershipId }) => ({ tenantId, partnershipId }))),
    ]);
  }
}
