import { BadRequestException, Injectable, StreamableFile } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import { MissedRewardReason, reasonsOnClock } from '@pp/domain';

import { pageSize } from '../common/list-query.dto';
import { KeysetRow, listCsv, listPage, ListSpec } from '../common/list-spec';
import { iso, money, Money } from '../common/money';
import { PROGRAM_REF_COLUMNS, programJoin, programRef, ProgramRefRow } from '../common/program-ref';
import { ReportingDatabase } from '../database/reporting-database.service';
import { and, join, raw, Sql, sql, table, tenant } from '../database/sql';
import { TenantScope } from '../database/tenant-scope';
import { claimSettings } from '../missed-rewards/missed-reward-claims.repository';
import { lifecycleScope } from '../missed-rewards/missed-reward-lifecycle';
import { MissedRewardThresholds } from '../missed-rewards/missed-reward.cutoffs';
import { decodeCursor, Page, parseSort, SortColumn } from '../pagination/keyset-cursor';
import {
  CHANGE_KINDS,
  ChangeDetail,
  ChangeDto,
  ChangeEntityType,
  ChangeKind,
  ChangesQueryDto,
  MissedRewardRecordType,
} from './changes.dto';

/** The tables `status_history.entity_kind` names, with the alias each is looked up under and how the API calls it. */
const HISTORY_ENTITIES = [
  { kind: 'partnership', alias: 'hp', type: 'program', program: 'hp.id' },
  { kind: 'referral', alias: 'hc', type: 'referral', program: 'hc.partnership_id' },
  { kind: 'billing_record', alias: 'hb', type: 'transaction', program: 'hb.partnership_id' },
  { kind: 'reward', alias: 'hr', type: 'reward', program: 'hr.partnership_id' },
  { kind: 'payout', alias: 'hy', type: 'payout', program: 'hy.partnership_id' },
  { kind: 'deal', alias: 'hd', type: 'deal', program: 'null::uuid' },
  { kind: 'lead', alias: 'hl', type: 'lead', program: 'null::uuid' },
] as const;

const ENTITY_TYPE_OF_TABLE: Record<string, ChangeEntityType> = {
  ...Object.fromEntries(HISTORY_ENTITIES.map((entity) => [entity.kind, entity.type])),
  commission_rule: 'offer',
  missed_reward: 'missed_reward',
};

/** The feed's one order, newest first; a cursor of another is refused. */
const CHANGE_SORT: SortColumn[] = [{ name: 'occurredAt', expression: 'x.occurred_at', sqlType: 'timestamptz' }];
const CHANGE_ORDER = parseSort(undefined, CHANGE_SORT, '-occurredAt');

const CHANGE_KEY = new RegExp(
  `^(${CHANGE_KINDS.join('|')}):([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$`,
);

/** The last change of the previous page: its time as PostgreSQL wrote it, its kind and the id of its row. */
export interface ChangePosition {
  value: string;
  kind: ChangeKind;
  id: string;
}

export function changePosition(cursor: string | undefined): ChangePosition | undefined {
  if (!cursor) return undefined;
  const position = decodeCursor(cursor, CHANGE_ORDER);
  const key = CHANGE_KEY.exec(position.id);
  if (!key) throw new BadRequestException('cursor is not one this service issued');
  return { value: position.value, kind: key[1] as ChangeKind, id: key[2] };
}

/** What every branch applies itself, so that each reads its own index and stops early. */
export interface ChangeFilters {
  since: string;
  programId?: string;
  includeRemoved: boolean;
  kinds: readonly ChangeKind[];
  after?: ChangePosition;
  /** Rows each branch gives at most: a page of n takes no more than n + 1 of any one kind. */
  limit?: number;
}

const asSql = (part: Sql | string) => (typeof part === 'string' ? raw(part) : part);
/** One of this file's own constants (a kind, a table name) as a text literal: never user input. */
const literal = (text: string) => raw(`'${text}'::text`);

/**
 * The changes of one kind since the filters' time, in the feed's order. Every branch gives the same columns:
 * `change_key` is `<kind>:<row id>` in the C collation, where it sorts as `(kind, id)` (`:` sorts before every
 * character of a kind, and a uuid's text as the uuid), so the shared keyset on `(occurred_at, change_key)` is the
 * feed's order `(occurred_at, kind, id)`. Within a branch the kind is fixed, so a cursor's position reduces to a
 * condition on its own `(occurred_at, id)`.
 */
function branch(
  kind: ChangeKind,
  filters: ChangeFilters,
  columns: {
    occurredAt: Sql | string;
    /** The row the change is read from (the change's id). */
    id: string;
    /** The record it is about: the row itself but for status changes. */
    entityId?: string;
    /** The table the record is in. */
    entityTable: Sql;
    externalKey: Sql | string;
    partnershipId: string;
    removed: string;
    detail: Sql | string;
    from: Sql;
    where: Sql;
  },
): Sql {
  const occurred = asSql(columns.occurredAt);
  const id = raw(columns.id);
  const after = filters.after;
  const position =
    after &&
    (after.kind === kind
      ? sql`(${occurred}, ${id}) < (${after.value}::timestamptz, ${after.id}::uuid)`
      : after.kind > kind
        ? sql`${occurred} <= ${after.value}::timestamptz`
        : sql`${occurred} < ${after.value}::timestamptz`);
  const where = and([
    columns.where,
    sql`${occurred} >= ${filters.since}::timestamptz`,
    filters.programId !== undefined && sql`${raw(columns.partnershipId)} = ${filters.programId}::uuid`,
    !filters.includeRemoved && sql`not (${raw(columns.removed)})`,
    position,
  ]);
  const limit = filters.limit === undefined ? sql`` : sql` order by 2 desc, ${id} desc limit ${filters.limit}`;
  return sql`(select ${literal(kind)} as kind, ${occurred} as occurred_at,
 (${raw(`'${kind}:'`)} || ${id}::text) collate "C" as change_key, ${columns.entityTable} as entity_table,
 ${raw(columns.entityId ?? columns.id)} as entity_id, ${asSql(columns.externalKey)} as external_key,
 ${raw(columns.partnershipId)} as partnership_id, ${asSql(columns.detail)} as detail
 from ${columns.from} where ${where}${limit})`;
}

/** When a missed reward was detected: as `detectedAt` of missed-reward-lifecycle.ts computes it, in SQL. */
function detectedAtSql(thresholds: MissedRewardThresholds): Sql {
  return sql`greatest(l.first_seen_at, l.reference_at + (case
 when l.reason = any(${reasonsOnClock('stuck')}::text[]) then ${thresholds.stuckDays}::int
 when l.reason = any(${reasonsOnClock('due')}::text[]) then ${thresholds.afterDays}::int else 0 end) * interval '1 day')`;
}

/** The key of one record a missed reward names, by its id column. */
function keyOf(name: string, alias: string, idColumn: string): Sql {
  return sql`(select ${raw(alias)}.external_key from ${table(name, alias)}
 where ${raw(alias)}.id = l.${raw(idColumn)} and ${tenant(alias)})`;
}

/** The union of the requested kinds' changes (alias `x`), each branch scoped to the tenant and filtered itself. */
export function changesUnion(thresholds: MissedRewardThresholds, now: Date, filters: ChangeFilters): Sql {
  const branches: Record<ChangeKind, () => Sql> = {
    referral_created: () =>
      branch('referral_created', filters, {
        occurredAt: 'coalesce(c.source_created_at, c.created_at)',
        id: 'c.id',
        entityTable: literal('referral'),
        externalKey: 'c.external_key',
        partnershipId: 'c.partnership_id',
        removed: 'c.removed_upstream_at is not null',
        detail: `jsonb_build_object('status', c.status, 'hasPaid', c.has_paid)`,
        from: table('referral', 'c'),
        where: tenant('c'),
      }),
    status_changed: () => {
      // One index lookup of the record a change is about, for its program and whether PartnerStack removed it.
      const entity = join(
        HISTORY_ENTITIES.map(
          (entity) => sql`select ${raw(entity.program)} as partnership_id, ${raw(entity.alias)}.removed_upstream_at
 from ${table(entity.kind, entity.alias)}
 where h.entity_kind = ${literal(entity.kind)} and ${raw(entity.alias)}.id = h.entity_id and ${tenant(entity.alias)}`,
        ),
        sql`
 union all `,
      );
      return branch('status_changed', filters, {
        occurredAt: 'h.source_time',
        id: 'h.id',
        entityId: 'h.entity_id',
        entityTable: sql`h.entity_kind`,
        externalKey: 'h.entity_external_key',
        partnershipId: 'he.partnership_id',
        removed: 'he.removed_upstream_at is not null',
        detail: `jsonb_build_object('field', h.field, 'from', h.from_value, 'to', h.to_value)`,
        from: sql`${table('status_history', 'h')} left join lateral (${entity}) he on true`,
        // A field's first observation is the record's creation, not a change; it alone has no earlier row (a later
        // change may come from null too, so `from_value is null` does not tell it).
        where: sql`${tenant('h')} and (h.from_value is not null or exists (select from ${table('status_history', 'hf')}
 where ${tenant('hf')} and hf.entity_id = h.entity_id and hf.entity_kind = h.entity_kind and hf.field = h.field
   and hf.source_time < h.source_time))`,
      });
    },
    payout_created: () =>
      branch('payout_created', filters, {
        occurredAt: 'coalesce(p.source_created_at, p.created_at)',
        id: 'p.id',
        entityTable: literal('payout'),
        externalKey: 'p.external_key',
        partnershipId: 'p.partnership_id',
        removed: 'p.removed_upstream_at is not null',
        detail: `jsonb_build_object('amount', p.amount, 'currency', p.currency, 'status', p.status, 'sentAt', p.sent_at)`,
        from: table('payout', 'p'),
        where: tenant('p'),
      }),
    offer_started: () => offer('offer_started'),
    offer_ended: () => offer('offer_ended'),
    missed_reward_detected: () => missed('missed_reward_detected'),
    missed_reward_resolved: () => missed('missed_reward_resolved'),
  };
  function offer(kind: 'offer_started' | 'offer_ended'): Sql {
    return branch(kind, filters, {
      occurredAt: kind === 'offer_started' ? 'cr.valid_from' : 'cr.valid_to',
      id: 'cr.id',
      entityTable: literal('commission_rule'),
      externalKey: 'cr.offer_key',
      partnershipId: 'cr.partnership_id',
      removed: 'crp.removed_upstream_at is not null',
      detail: `jsonb_build_object('offerKey', cr.offer_key, 'offerKind', cr.kind, 'sourceType', cr.source_type,
 'rate', cr.rate, 'currency', cr.currency, 'description', cr.description, 'validFrom', cr.valid_from,
 'validTo', cr.valid_to)`,
      from: sql`${table('commission_rule', 'cr')} join ${table('partnership', 'crp')} on crp.id = cr.partnership_id
 and ${tenant('crp')}`,
      where: kind === 'offer_started' ? tenant('cr') : sql`${tenant('cr')} and cr.valid_to is not null`,
    });
  }
  function missed(kind: 'missed_reward_detected' | 'missed_reward_resolved'): Sql {
    const resolved = kind === 'missed_reward_resolved';
    return branch(kind, filters, {
      occurredAt: resolved ? 'l.resolved_at' : detectedAtSql(thresholds),
      id: 'l.id',
      entityTable: literal('missed_reward'),
      externalKey: sql`coalesce(${keyOf('reward', 'lr', 'reward_id')}, ${keyOf('billing_record', 'lb', 'billing_record_id')},
 ${keyOf('referral', 'lc', 'referral_id')})`,
      partnershipId: 'l.partnership_id',
      removed: 'l.removed',
      detail: `jsonb_build_object('reason', l.reason, 'record', case when l.reward_id is not null then 'reward'
 when l.billing_record_id is not null then 'transaction' else 'referral' end, 'currency', l.currency,
 'amountAtStake', l.amount_at_stake${resolved ? `, 'recovered', l.recovered_amount, 'recoveredCurrency', l.recovered_currency` : ''})`,
      from: table('report_missed_reward_lifecycle', 'l'),
      // lifecycleScope counts a candidate as the claims do: only once it is past its reason's threshold.
      where: resolved
        ? sql`${lifecycleScope(thresholds, now)} and l.resolved_at is not null`
        : lifecycleScope(thresholds, now),
    });
  }
  return join(
    filters.kinds.map((kind) => branches[kind]()),
    sql`\n union all\n `,
  );
}

interface ChangeRow extends KeysetRow, ProgramRefRow {
  kind: ChangeKind;
  occurred_at: Date;
  entity_table: string;
  entity_id: string;
  external_key: string | null;
  detail: Record<string, unknown>;
}

const text = (value: unknown) => (value === null || value === undefined ? null : String(value));
const amount = (value: unknown, currency: unknown): Money | null =>
  money(value as number | null | undefined, text(currency));

/** A change's typed detail from its branch's `jsonb_build_object`. */
export function detailOf(kind: ChangeKind, detail: Record<string, unknown>): ChangeDetail {
  switch (kind) {
    case 'referral_created':
      return { status: detail.status, hasPaid: detail.hasPaid ?? null } as ChangeDetail;
    case 'status_changed':
      return { field: String(detail.field), from: text(detail.from), to: text(detail.to) };
    case 'payout_created':
      return {
        amount: amount(detail.amount, detail.currency) as Money,
        status: text(detail.status),
        sentAt: iso(text(detail.sentAt)),
      };
    case 'offer_started':
    case 'offer_ended':
      return {
        offerKey: text(detail.offerKey),
        offerKind: detail.offerKind,
        sourceType: text(detail.sourceType),
        rate: detail.rate === null || detail.rate === undefined ? null : Number(detail.rate),
        currency: text(detail.currency),
        description: text(detail.description),
        validFrom: iso(text(detail.validFrom)) as string,
        validTo: iso(text(detail.validTo)),
      } as ChangeDetail;
    case 'missed_reward_detected':
    case 'missed_reward_resolved':
      return {
        reason: detail.reason as MissedRewardReason,
        record: detail.record as MissedRewardRecordType,
        amountAtStake: amount(detail.amountAtStake, detail.currency),
        recovered: amount(detail.recovered, detail.recoveredCurrency),
      };
  }
}

export function toChange(row: ChangeRow): ChangeDto {
  return {
    id: row.id,
    kind: row.kind,
    occurredAt: iso(row.occurred_at) as string,
    entity: { type: ENTITY_TYPE_OF_TABLE[row.entity_table], id: row.entity_id, externalKey: row.external_key },
    program: programRef(row),
    detail: detailOf(row.kind, row.detail),
  };
}

/**
 * The feed as a list. Its branches apply every filter, the cursor and (for a page) the limit themselves; the shared
 * list helpers then merge them in the same keyset order, page them, encode the next cursor and render the CSV.
 */
export function changeList(
  thresholds: MissedRewardThresholds,
  now: Date,
  filters: ChangeFilters,
): ListSpec<ChangesQueryDto, ChangeRow, ChangeDto> {
  return {
    resource: 'changes',
    select: sql`x.change_key as id, x.kind, x.occurred_at, x.entity_table, x.entity_id, x.external_key, x.detail,
 ${PROGRAM_REF_COLUMNS}`,
    from: sql`(${changesUnion(thresholds, now, filters)}) x${programJoin('x')}`,
    // Every branch is scoped to the tenant inside the union; the program join is scoped by programJoin.
    scope: sql`true`,
    idExpression: 'x.change_key',
    createdExpression: 'x.occurred_at',
    sortColumns: CHANGE_SORT,
    defaultSort: '-occurredAt',
    map: toChange,
    csv: [
      { header: 'id', value: (item) => item.id },
      { header: 'kind', value: (item) => item.kind },
      { header: 'occurred_at', value: (item) => item.occurredAt },
      { header: 'entity_type', value: (item) => item.entity.type },
      { header: 'entity_id', value: (item) => item.entity.id },
      { header: 'external_key', value: (item) => item.entity.externalKey },
      { header: 'program_id', value: (item) => item.program?.id },
      { header: 'program_external_key', value: (item) => item.program?.externalKey },
      { header: 'program_name', value: (item) => item.program?.name },
      { header: 'detail', value: (item) => JSON.stringify(item.detail) },
    ],
  };
}

export function changeFilters(query: ChangesQueryDto, limit?: number): ChangeFilters {
  return {
    since: query.since,
    programId: query.programId,
    includeRemoved: query.includeRemoved === true,
    kinds: query.kind ?? CHANGE_KINDS,
    after: changePosition(query.cursor),
    limit,
  };
}

@Injectable()
export class ChangesRepository {
  private readonly thresholds: MissedRewardThresholds;

  constructor(
    private readonly database: ReportingDatabase,
    config: ConfigService,
  ) {
    this.thresholds = claimSettings(config);
  }

  public page(scope: TenantScope, query: ChangesQueryDto, now = new Date()): Promise<Page<ChangeDto>> {
    const spec = changeList(this.thresholds, now, changeFilters(query, pageSize(query) + 1));
    // The branches filtered by program already; the list helper would refuse it, having no column to filter on.
    return listPage(this.database, scope, spec, { ...query, programId: undefined });
  }

  public csv(scope: TenantScope, query: ChangesQueryDto, now = new Date()): Promise<StreamableFile> {
    const spec = changeList(this.thresholds, now, changeFilters(query));
    return listCsv(this.database, scope, spec, { ...query, programId: undefined });
  }
}
