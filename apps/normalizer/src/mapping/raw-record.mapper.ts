import { CommissionKind, RewardKind, stableId } from '@pp/domain';
import type { PartnerStackRecord, PartnerStackStream } from '@pp/contracts';

import type { SyncedTable } from '../writing/synced-tables';
import { modelOf } from '../writing/table-model';

import { FieldReader, UnmappableRecordError } from './field-reader';
import type {
  ColumnsOf,
  CommissionRuleRow,
  MappedMessage,
  MappedRow,
  RowOf,
  RowVersion,
  StatusObservation,
} from './mapped-record';
import {
  CLAWBACK_DESCRIPTION_PATTERN,
  CURRENCY_WHEN_ABSENT,
  FLAT_OFFER_TYPES,
  PERCENTAGE_OFFER_TYPES,
  RECURRING_REWARD_SOURCE_TYPES,
  REWARD_KIND_SOURCE_TYPES,
  referralStatusOf,
  TRANSACTION_SOURCE_TYPES,
} from './partnerstack-assumptions.constants';

export interface RawInput {
  tenantId: string;
  stream: PartnerStackStream;
  externalKey: string;
  fetchedAt: string;
  record: PartnerStackRecord;
}

export interface RemovedInput {
  tenantId: string;
  stream: PartnerStackStream;
  externalKey: string;
  removedAt: string;
}

/** Which tables a removal of a stream's record flags. */
export const REMOVAL_TABLES: Record<PartnerStackStream, SyncedTable[]> = {
  partnerships: ['partnership'],
  customers: ['referral', 'account'],
  transactions: ['billing_record'],
  rewards: ['reward'],
  payouts: ['payout'],
  actions: ['action'],
  marketplace_programs: ['marketplace_program'],
  deals: ['deal'],
  leads: ['lead'],
};

export function normalizeName(name: string | null): string | null {
  if (name === null) return null;
  const normalized = name.normalize('NFC').trim().replace(/\s+/g, ' ').toLowerCase();
  return normalized === '' ? null : normalized;
}

export function normalizeEmail(email: string | null): string | null {
  if (email === null) return null;
  const normalized = email.normalize('NFC').trim().toLowerCase();
  return normalized.includes('@') ? normalized : null;
}

function commissionKind(type: string | null): CommissionKind {
  const lowered = type?.toLowerCase() ?? '';
  if (PERCENTAGE_OFFER_TYPES.includes(lowered)) return 'percentage';
  if (FLAT_OFFER_TYPES.includes(lowered)) return 'flat';
  return 'unknown';
}

/** An offer version's identity: any change of its terms makes a new version (OFFER_VALID_FROM). */
export function termsKeyOf(terms: Array<string | null>): string {
  return terms.map((term) => term ?? '').join('\u001f');
}

/** REWARD_KIND_SOURCE_TYPES: what a reward pays for, from its amount, drip series and source type. */
export function rewardKindOf(amount: number, dripOccurrences: number | null, sourceType: string | null): RewardKind {
  if (amount < 0) return 'clawback';
  if (dripOccurrences !== null) return 'drip';
  const type = sourceType?.toLowerCase() ?? '';
  if (RECURRING_REWARD_SOURCE_TYPES.includes(type)) return 'recurring';
  const kinds = Object.keys(REWARD_KIND_SOURCE_TYPES) as (keyof typeof REWARD_KIND_SOURCE_TYPES)[];
  return kinds.find((kind) => (REWARD_KIND_SOURCE_TYPES[kind] as readonly string[]).includes(type)) ?? 'one_time';
}

/** CLAWBACK_DESCRIPTION_PATTERN: the key of the reward a clawback's description names. */
export function reversedRewardKeyOf(amount: number, description: string | null): string | null {
  if (amount >= 0 || description === null) return null;
  return CLAWBACK_DESCRIPTION_PATTERN.exec(description)?.[1] ?? null;
}

function iso(value: string): string {
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new UnmappableRecordError(`fetchedAt: '${value}' is not a timestamp`);
  return new Date(time).toISOString();
}

/** Maps one stream's record into rows; one instance per record keeps the shared fields in one place. */
class RecordMapping {
  public readonly fields: FieldReader;
  public readonly rows: MappedRow[] = [];
  public readonly observations: StatusObservation[] = [];
  public readonly createdAt: string | null;
  public readonly updatedAt: string | null;
  public readonly fetchedAt: string;
  /** The version's position in time for history: source `updated_at`, else `created_at`, else the fetch. */
  public readonly sourceTime: string;

  constructor(private readonly input: RawInput) {
    this.fields = new FieldReader(input.record, input.stream);
    const key = this.fields.requiredString('key');
    if (key !== input.externalKey)
      throw new UnmappableRecordError(`externalKey '${input.externalKey}' does not match record.key '${key}'`);
    this.createdAt = this.fields.epochMs('created_at');
    this.updatedAt = this.fields.epochMs('updated_at');
    this.fetchedAt = iso(input.fetchedAt);
    this.sourceTime = this.updatedAt ?? this.createdAt ?? this.fetchedAt;
  }

  public get key(): string {
    return this.input.externalKey;
  }

  /** Adds a version of the table's record `externalKey`, and an observation of each of its history fields. */
  public addVersion<T extends SyncedTable>(
    table: T,
    externalKey: string,
    columns: ColumnsOf<T>,
    raw: Record<string, unknown>,
    extra: Omit<MappedRow, 'table' | 'row'> = {},
  ): void {
    const id = stableId(this.input.tenantId, table, externalKey);
    const row = {
      id,
      tenantId: this.input.tenantId,
      externalKey,
      sourceCreatedAt: this.createdAt,
      sourceUpdatedAt: this.updatedAt ?? this.createdAt,
      lastFetchedAt: this.fetchedAt,
      raw,
      ...columns,
    } as RowOf<T> & RowVersion;
    this.rows.push({ table, row, ...extra });
    for (const field of modelOf(table).history) {
      const value = row[field.property];
      this.observations.push({
        tenant_id: this.input.tenantId,
        entity_kind: table,
        entity_external_key: externalKey,
        entity_id: id,
        field: field.name,
        source_time: this.sourceTime,
        value: value === null ? null : String(value),
        observed_at: this.fetchedAt,
      });
    }
  }

  /** Adds the version of the record itself (its key, the raw record). */
  public add<T extends SyncedTable>(table: T, columns: ColumnsOf<T>, extra: Omit<MappedRow, 'table' | 'row'> = {}) {
    this.addVersion(table, this.key, columns, this.input.record, extra);
  }

  public result(): MappedMessage {
    return { rows: this.rows, observations: this.observations, removals: [] };
  }
}

function mapPartnership(m: RecordMapping): void {
  const f = m.fields;
  const company = f.object('company');
  const programKey = company?.string('key') || null;
  if (company && programKey) {
    m.addVersion(
      'program',
      programKey,
      { sourceId: company.integer('id'), name: company.string('name'), marketplaceProgramKey: programKey },
      f.json('company') as Record<string, unknown>,
    );
  }
  const group = f.object('group') ?? f.object('tier');
  const link = f.object('link');
  const team = f.object('team');
  const archived = f.boolean('is_archived') ?? f.boolean('archived') ?? false;
  const status = f.string('status');
  const rawOffers = (f.json('offers') ?? []) as unknown[];
  const commissionRules: CommissionRuleRow[] = f.objects('offers').map((offer, position) => {
    const sourceType = offer.string('type') ?? offer.string('type_');
    const offerKey = offer.identifier('key');
    const rate = offer.decimal('base_rate');
    const currency = offer.currency('currency', null);
    const description = offer.string('description');
    return {
      position,
      kind: commissionKind(sourceType),
      sourceType,
      rate,
      currency,
      description,
      raw: rawOffers[position] as Record<string, unknown>,
      termsKey: termsKeyOf([offerKey, sourceType, rate, currency, description]),
      offerKey,
      offerCreatedAt: offer.epochMs('created_at'),
    };
  });
  m.add(
    'partnership',
    {
      programKey,
      status,
      claimed: f.boolean('claimed'),
      archived,
      hasSubId: f.boolean('has_sub_id'),
      groupKey: group?.identifier('key') ?? null,
      groupName: group?.string('name') ?? null,
      groupSlug: group?.string('slug') ?? null,
      referralLinkUrl: link?.string('url') ?? f.string('referral_link') ?? null,
      teamKey: team?.identifier('key') ?? null,
      teamName: team?.string('name') ?? null,
    },
    { commissionRules },
  );
}

function mapCustomer(m: RecordMapping): void {
  const f = m.fields;
  const email = normalizeEmail(f.string('email'));
  const name = f.string('name');
  const archived = f.boolean('archived') ?? false;
  const hasPaid = f.boolean('has_paid');
  const status = referralStatusOf({ archived, hasPaid });
  const company = f.object('company');
  if (email) m.addVersion('contact', email, { email, name }, { email, name, customer_key: m.key });
  m.add('account', {
    name,
    nameNormalized: normalizeName(name),
    vendorCustomerKey: f.identifier('customer_key'),
    countryIso: f.string('country_iso'),
    contactEmail: email,
  });
  m.add('referral', {
    partnershipKey: f.string('partnership_key'),
    programKey: company?.string('key') ?? null,
    contactEmail: email,
    status,
    hasPaid,
    archived,
    subIds: f.strings('sub_ids'),
    sharedId: f.identifier('shared_id'),
    firstReferredAt: m.createdAt,
    ...(hasPaid ? { convertedAt: m.sourceTime } : {}),
  });
}

function mapTransaction(m: RecordMapping): void {
  const f = m.fields;
  const customer = f.object('customer');
  const refunded = f.boolean('archived') ?? false;
  m.add('billing_record', {
    amount: f.requiredInteger('amount'),
    currency: f.currency('currency', CURRENCY_WHEN_ABSENT),
    amountUsd: f.integer('amount_usd'),
    productKey: f.string('product_key'),
    categoryKey: f.string('category_key'),
    refunded,
    approved: f.boolean('approved'),
    partnershipKey: f.string('partnership_key'),
    programKey: f.object('company')?.string('key') ?? null,
    customerKey: customer?.string('key') ?? f.string('customer_key'),
    subIds: customer?.strings('sub_ids') ?? [],
  });
}

function mapReward(m: RecordMapping): void {
  const f = m.fields;
  const source = f.object('source');
  const sourceType = source?.string('type') ?? null;
  const sourceKey = source?.identifier('key') ?? null;
  const transactionSource = sourceType !== null && TRANSACTION_SOURCE_TYPES.includes(sourceType.toLowerCase());
  const rewardStatus = f.string('reward_status') ?? f.string('status');
  const paymentStatus = f.string('payment_status');
  const payoutRef = f.identifier('payout_id');
  const amount = f.requiredInteger('amount');
  const description = f.string('description');
  const drip = f.object('drip');
  const dripOccurrences = drip?.integer('occurrences') ?? null;
  m.add('reward', {
    amount,
    currency: f.currency('currency', CURRENCY_WHEN_ABSENT),
    description,
    rewardStatus,
    paymentStatus,
    declineReason: f.string('decline_reason'),
    withdrawn: f.boolean('withdrawn'),
    recurrence:
      sourceType !== null && RECURRING_REWARD_SOURCE_TYPES.includes(sourceType.toLowerCase())
        ? 'recurring'
        : 'one_time',
    sourceType,
    sourceKey,
    creationSource: f.string('creation_source'),
    paymentDate: f.epochMs('payment_date'),
    readyAt: f.epochMs('ready_at'),
    kind: rewardKindOf(amount, dripOccurrences, sourceType),
    dripOccurrence: drip?.integer('occurrence') ?? null,
    dripOccurrences,
    dripDelayDays: drip?.integer('delay_days') ?? null,
    dripCycleDays: drip?.integer('cycle_days') ?? null,
    reversedRewardKey: reversedRewardKeyOf(amount, description),
    partnershipKey: f.string('partnership_key') ?? f.object('partnership')?.string('key') ?? null,
    programKey: f.object('company')?.string('key') ?? null,
    customerKey: f.object('customer')?.string('key') ?? f.string('customer_key'),
    billingRecordKey: transactionSource ? sourceKey : (f.object('transaction')?.string('key') ?? null),
    payoutRef,
  });
}

function mapPayout(m: RecordMapping): void {
  const f = m.fields;
  m.add('payout', {
    sourceId: f.identifier('id'),
    amount: f.requiredInteger('amount'),
    currency: f.currency('currency', CURRENCY_WHEN_ABSENT),
    status: f.string('status'),
    providerType: f.object('provider')?.string('type') ?? null,
    sentAt: f.epochMs('sent_at'),
    withdrawalDate: f.epochMs('withdrawal_date'),
    partnershipKey: f.string('partnership_key'),
  });
}

function mapAction(m: RecordMapping): void {
  const f = m.fields;
  m.add('action', {
    actionType: f.string('type'),
    value: f.decimal('value'),
    archived: f.boolean('archived') ?? false,
    partnershipKey: f.string('partnership_key'),
    programKey: f.object('company')?.string('key') ?? null,
    customerKey: f.object('customer')?.string('key') ?? f.string('customer_key'),
  });
}

function mapMarketplaceProgram(m: RecordMapping): void {
  const f = m.fields;
  m.add('marketplace_program', {
    sourceId: f.integer('id'),
    name: f.string('name'),
    description: f.string('description'),
    categories: f.strings('category'),
    country: f.string('country'),
    website: f.string('website'),
    logo: f.string('logo'),
    hasSubId: f.boolean('has_sub_id'),
    offers: f.objects('offers').length ? (f.json('offers') as unknown[]) : [],
    promotions: f.objects('promotions').length ? (f.json('promotions') as unknown[]) : [],
  });
}

function mapDeal(m: RecordMapping): void {
  const f = m.fields;
  const accountName = f.string('account_name');
  const amount = f.integer('amount');
  m.add('deal', {
    vendorExternalKey: f.identifier('external_key'),
    accountName,
    accountNameNormalized: normalizeName(accountName),
    amount,
    currency: f.currency('currency', amount === null ? null : CURRENCY_WHEN_ABSENT),
    closeDate: f.date('close_date'),
    contactFirstName: f.string('contact_first_name'),
    contactLastName: f.string('contact_last_name'),
    stage: f.string('stage'),
    lostReason: f.string('lost_reason'),
    dealSource: f.string('source'),
    groupKey: f.string('group_key') ?? f.object('group')?.identifier('key') ?? null,
    partnerKey: f.string('partner_key'),
  });
}

function mapLead(m: RecordMapping): void {
  const f = m.fields;
  const accountName = f.string('account_name') ?? f.string('company_name');
  const amount = f.integer('amount');
  m.add('lead', {
    vendorExternalKey: f.identifier('external_key'),
    status: f.string('status'),
    approved: f.boolean('approved'),
    amount,
    currency: f.currency('currency', amount === null ? null : CURRENCY_WHEN_ABSENT),
    accountName,
    accountNameNormalized: normalizeName(accountName),
    customerKey: f.object('customer')?.string('key') ?? f.string('customer_key'),
    groupKey: f.string('group_key') ?? f.object('group')?.identifier('key') ?? null,
    partnerKey: f.string('partner_key'),
  });
}

const STREAM_MAPPERS: Record<PartnerStackStream, (mapping: RecordMapping) => void> = {
  partnerships: mapPartnership,
  customers: mapCustomer,
  transactions: mapTransaction,
  rewards: mapReward,
  payouts: mapPayout,
  actions: mapAction,
  marketplace_programs: mapMarketplaceProgram,
  deals: mapDeal,
  leads: mapLead,
};

/** Maps one raw PartnerStack record; throws `UnmappableRecordError` when it cannot be. Pure: no I/O. */
export function mapRawRecord(input: RawInput): MappedMessage {
  const mapping = new RecordMapping(input);
  STREAM_MAPPERS[input.stream](mapping);
  return mapping.result();
}

export function mapRemoval(input: RemovedInput): MappedMessage {
  const removedAt = iso(input.removedAt);
  return {
    rows: [],
    observations: [],
    removals: REMOVAL_TABLES[input.stream].map((table) => ({
      table,
      tenant_id: input.tenantId,
      external_key: input.externalKey,
      removed_at: removedAt,
    })),
  };
}
