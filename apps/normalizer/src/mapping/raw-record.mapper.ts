import { stableId } from '@pp/domain';
import type { PartnerStackRecord, PartnerStackStream } from '@pp/contracts';

import type { SyncedTable } from '../writing/table-specs';

import { FieldReader, UnmappableRecordError } from './field-reader';
import type { CommissionRuleRow, MappedMessage, MappedRow, RowVersion, StatusObservation } from './mapped-record';
import {
  CURRENCY_WHEN_ABSENT,
  FLAT_OFFER_TYPES,
  PERCENTAGE_OFFER_TYPES,
  RECURRING_REWARD_SOURCE_TYPES,
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

function commissionKind(type: string | null): string {
  const lowered = type?.toLowerCase() ?? '';
  if (PERCENTAGE_OFFER_TYPES.includes(lowered)) return 'percentage';
  if (FLAT_OFFER_TYPES.includes(lowered)) return 'flat';
  return 'unknown';
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

  public version(table: SyncedTable, externalKey: string, columns: Record<string, unknown>, raw: unknown): RowVersion {
    return {
      id: stableId(this.input.tenantId, table, externalKey),
      tenant_id: this.input.tenantId,
      external_key: externalKey,
      source_created_at: this.createdAt,
      source_updated_at: this.updatedAt ?? this.createdAt,
      last_fetched_at: this.fetchedAt,
      raw,
      ...columns,
    };
  }

  public add(table: SyncedTable, columns: Record<string, unknown>, extra: Omit<MappedRow, 'table' | 'row'> = {}) {
    const row = this.version(table, this.key, columns, this.input.record);
    this.rows.push({ table, row, ...extra });
    return row;
  }

  public observe(table: SyncedTable, externalKey: string, field: string, value: string | boolean | null): void {
    this.observations.push({
      tenant_id: this.input.tenantId,
      entity_kind: table,
      entity_external_key: externalKey,
      entity_id: stableId(this.input.tenantId, table, externalKey),
      field,
      source_time: this.sourceTime,
      value: value === null ? null : String(value),
      observed_at: this.fetchedAt,
    });
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
    const row = m.version(
      'program',
      programKey,
      {
        source_id: company.integer('id'),
        name: company.string('name'),
        marketplace_program_key: programKey,
      },
      f.json('company'),
    );
    m.rows.push({ table: 'program', row });
  }
  const group = f.object('group') ?? f.object('tier');
  const link = f.object('link');
  const team = f.object('team');
  const archived = f.boolean('is_archived') ?? f.boolean('archived') ?? false;
  const status = f.string('status');
  const rawOffers = (f.json('offers') ?? []) as unknown[];
  const commissionRules: CommissionRuleRow[] = f.objects('offers').map((offer, position) => {
    const sourceType = offer.string('type') ?? offer.string('type_');
    return {
      position,
      kind: commissionKind(sourceType),
      source_type: sourceType,
      rate: offer.decimal('base_rate'),
      currency: offer.currency('currency', null),
      description: offer.string('description'),
      raw: rawOffers[position],
    };
  });
  m.add(
    'partnership',
    {
      program_key: programKey,
      status,
      claimed: f.boolean('claimed'),
      archived,
      has_sub_id: f.boolean('has_sub_id'),
      group_key: group?.identifier('key') ?? null,
      group_name: group?.string('name') ?? null,
      group_slug: group?.string('slug') ?? null,
      referral_link_url: link?.string('url') ?? f.string('referral_link') ?? null,
      team_key: team?.identifier('key') ?? null,
      team_name: team?.string('name') ?? null,
    },
    { commissionRules },
  );
  m.observe('partnership', m.key, 'status', status);
  m.observe('partnership', m.key, 'archived', archived);
}

function mapCustomer(m: RecordMapping): void {
  const f = m.fields;
  const email = normalizeEmail(f.string('email'));
  const name = f.string('name');
  const archived = f.boolean('archived') ?? false;
  const hasPaid = f.boolean('has_paid');
  const status = referralStatusOf({ archived, hasPaid });
  const company = f.object('company');
  if (email) {
    const contact = m.version('contact', email, { email, name }, { email, name, customer_key: m.key });
    m.rows.push({ table: 'contact', row: contact });
  }
  m.add('account', {
    name,
    name_normalized: normalizeName(name),
    vendor_customer_key: f.identifier('customer_key'),
    country_iso: f.string('country_iso'),
    contact_email: email,
  });
  m.add(
    'referral',
    {
      partnership_key: f.string('partnership_key'),
      program_key: company?.string('key') ?? null,
      contact_email: email,
      status,
      has_paid: hasPaid,
      archived,
      sub_ids: f.strings('sub_ids'),
      shared_id: f.identifier('shared_id'),
      first_referred_at: m.createdAt,
    },
    hasPaid ? { earliest: { converted_at: m.sourceTime } } : {},
  );
  m.observe('referral', m.key, 'status', status);
}

function mapTransaction(m: RecordMapping): void {
  const f = m.fields;
  const customer = f.object('customer');
  const refunded = f.boolean('archived') ?? false;
  m.add('billing_record', {
    amount: f.requiredInteger('amount'),
    currency: f.currency('currency', CURRENCY_WHEN_ABSENT),
    amount_usd: f.integer('amount_usd'),
    product_key: f.string('product_key'),
    category_key: f.string('category_key'),
    refunded,
    approved: f.boolean('approved'),
    partnership_key: f.string('partnership_key'),
    program_key: f.object('company')?.string('key') ?? null,
    customer_key: customer?.string('key') ?? f.string('customer_key'),
    sub_ids: customer?.strings('sub_ids') ?? [],
  });
  m.observe('billing_record', m.key, 'refunded', refunded);
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
  m.add('reward', {
    amount: f.requiredInteger('amount'),
    currency: f.currency('currency', CURRENCY_WHEN_ABSENT),
    description: f.string('description'),
    reward_status: rewardStatus,
    payment_status: paymentStatus,
    decline_reason: f.string('decline_reason'),
    withdrawn: f.boolean('withdrawn'),
    recurrence:
      sourceType !== null && RECURRING_REWARD_SOURCE_TYPES.includes(sourceType.toLowerCase())
        ? 'recurring'
        : 'one_time',
    source_type: sourceType,
    source_key: sourceKey,
    creation_source: f.string('creation_source'),
    payment_date: f.epochMs('payment_date'),
    ready_at: f.epochMs('ready_at'),
    partnership_key: f.string('partnership_key') ?? f.object('partnership')?.string('key') ?? null,
    program_key: f.object('company')?.string('key') ?? null,
    customer_key: f.object('customer')?.string('key') ?? f.string('customer_key'),
    billing_record_key: transactionSource ? sourceKey : (f.object('transaction')?.string('key') ?? null),
    payout_ref: payoutRef,
  });
  m.observe('reward', m.key, 'reward_status', rewardStatus);
  m.observe('reward', m.key, 'payment_status', paymentStatus);
}

function mapPayout(m: RecordMapping): void {
  const f = m.fields;
  const status = f.string('status');
  m.add('payout', {
    source_id: f.identifier('id'),
    amount: f.requiredInteger('amount'),
    currency: f.currency('currency', CURRENCY_WHEN_ABSENT),
    status,
    provider_type: f.object('provider')?.string('type') ?? null,
    sent_at: f.epochMs('sent_at'),
    withdrawal_date: f.epochMs('withdrawal_date'),
  });
  m.observe('payout', m.key, 'status', status);
}

function mapAction(m: RecordMapping): void {
  const f = m.fields;
  m.add('action', {
    action_type: f.string('type'),
    value: f.decimal('value'),
    archived: f.boolean('archived') ?? false,
    partnership_key: f.string('partnership_key'),
    program_key: f.object('company')?.string('key') ?? null,
    customer_key: f.object('customer')?.string('key') ?? f.string('customer_key'),
  });
}

function mapMarketplaceProgram(m: RecordMapping): void {
  const f = m.fields;
  m.add('marketplace_program', {
    source_id: f.integer('id'),
    name: f.string('name'),
    description: f.string('description'),
    categories: f.strings('category'),
    country: f.string('country'),
    website: f.string('website'),
    logo: f.string('logo'),
    has_sub_id: f.boolean('has_sub_id'),
    offers: f.objects('offers').length ? f.json('offers') : [],
    promotions: f.objects('promotions').length ? f.json('promotions') : [],
  });
}

function mapDeal(m: RecordMapping): void {
  const f = m.fields;
  const accountName = f.string('account_name');
  const amount = f.integer('amount');
  const stage = f.string('stage');
  m.add('deal', {
    vendor_external_key: f.identifier('external_key'),
    account_name: accountName,
    account_name_normalized: normalizeName(accountName),
    amount,
    currency: f.currency('currency', amount === null ? null : CURRENCY_WHEN_ABSENT),
    close_date: f.date('close_date'),
    contact_first_name: f.string('contact_first_name'),
    contact_last_name: f.string('contact_last_name'),
    stage,
    lost_reason: f.string('lost_reason'),
    deal_source: f.string('source'),
    group_key: f.string('group_key') ?? f.object('group')?.identifier('key') ?? null,
    partner_key: f.string('partner_key'),
  });
  m.observe('deal', m.key, 'stage', stage);
}

function mapLead(m: RecordMapping): void {
  const f = m.fields;
  const accountName = f.string('account_name') ?? f.string('company_name');
  const amount = f.integer('amount');
  const status = f.string('status');
  m.add('lead', {
    vendor_external_key: f.identifier('external_key'),
    status,
    approved: f.boolean('approved'),
    amount,
    currency: f.currency('currency', amount === null ? null : CURRENCY_WHEN_ABSENT),
    account_name: accountName,
    account_name_normalized: normalizeName(accountName),
    customer_key: f.object('customer')?.string('key') ?? f.string('customer_key'),
    group_key: f.string('group_key') ?? f.object('group')?.identifier('key') ?? null,
    partner_key: f.string('partner_key'),
  });
  m.observe('lead', m.key, 'status', status);
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
