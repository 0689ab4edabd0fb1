import { PAYOUT_REFERENCE_COLUMNS } from '../mapping/partnerstack-assumptions.constants';

/** The synced tables of the `domain` schema the normalizer writes, in the order a batch upserts them. */
export const SYNCED_TABLES = [
  'marketplace_program',
  'program',
  'partnership',
  'contact',
  'account',
  'referral',
  'payout',
  'billing_record',
  'reward',
  'action',
  'deal',
  'lead',
] as const;

export type SyncedTable = (typeof SYNCED_TABLES)[number];

export interface LinkSpec {
  /** Our id column on the referring table, set once the target exists. */
  idColumn: string;
  /** PartnerStack's key (or another natural key) kept on the referring table. */
  keyColumn: string;
  target: SyncedTable;
  /** The target column `keyColumn` is matched against. */
  targetColumn: string;
  /** Several targets can match (names): the one with the lowest external key wins, whatever the arrival order. */
  ambiguous?: boolean;
  /** Extra condition on the referring row (`r`), e.g. a fallback link used only without a better key. */
  onlyWhen?: string;
}

export interface TableSpec {
  /** Table-specific columns written from the mapped record, with their PostgreSQL types. */
  columns: Record<string, string>;
  links: LinkSpec[];
  /** Columns that keep the earliest value of every version seen (`MappedRow.earliest`), with their types. */
  earliestColumns?: Record<string, string>;
}

const partnershipLinks = (): LinkSpec[] => [
  { idColumn: 'partnership_id', keyColumn: 'partnership_key', target: 'partnership', targetColumn: 'external_key' },
  { idColumn: 'program_id', keyColumn: 'program_key', target: 'program', targetColumn: 'external_key' },
];

export const TABLE_SPECS: Record<SyncedTable, TableSpec> = {
  marketplace_program: {
    columns: {
      source_id: 'bigint',
      name: 'text',
      description: 'text',
      categories: 'text[]',
      country: 'text',
      website: 'text',
      logo: 'text',
      has_sub_id: 'boolean',
      offers: 'jsonb',
      promotions: 'jsonb',
    },
    links: [],
  },
  program: {
    columns: { source_id: 'bigint', name: 'text', marketplace_program_key: 'text' },
    links: [
      {
        idColumn: 'marketplace_program_id',
        keyColumn: 'marketplace_program_key',
        target: 'marketplace_program',
        targetColumn: 'external_key',
      },
    ],
  },
  partnership: {
    columns: {
      program_key: 'text',
      status: 'text',
      claimed: 'boolean',
      archived: 'boolean',
      has_sub_id: 'boolean',
      group_key: 'text',
      group_name: 'text',
      group_slug: 'text',
      referral_link_url: 'text',
      team_key: 'text',
      team_name: 'text',
    },
    links: [{ idColumn: 'program_id', keyColumn: 'program_key', target: 'program', targetColumn: 'external_key' }],
  },
  contact: { columns: { email: 'text', name: 'text' }, links: [] },
  account: {
    columns: {
      name: 'text',
      name_normalized: 'text',
      vendor_customer_key: 'text',
      country_iso: 'text',
      contact_email: 'text',
    },
    links: [{ idColumn: 'contact_id', keyColumn: 'contact_email', target: 'contact', targetColumn: 'external_key' }],
  },
  referral: {
    columns: {
      partnership_key: 'text',
      program_key: 'text',
      contact_email: 'text',
      status: 'text',
      has_paid: 'boolean',
      archived: 'boolean',
      sub_ids: 'text[]',
      shared_id: 'text',
      first_referred_at: 'timestamptz',
    },
    earliestColumns: { converted_at: 'timestamptz' },
    links: [
      ...partnershipLinks(),
      { idColumn: 'account_id', keyColumn: 'external_key', target: 'account', targetColumn: 'external_key' },
      { idColumn: 'contact_id', keyColumn: 'contact_email', target: 'contact', targetColumn: 'external_key' },
    ],
  },
  payout: {
    columns: {
      source_id: 'text',
      amount: 'bigint',
      currency: 'text',
      status: 'text',
      provider_type: 'text',
      sent_at: 'timestamptz',
      withdrawal_date: 'timestamptz',
    },
    links: [],
  },
  billing_record: {
    columns: {
      amount: 'bigint',
      currency: 'text',
      amount_usd: 'bigint',
      product_key: 'text',
      category_key: 'text',
      refunded: 'boolean',
      approved: 'boolean',
      partnership_key: 'text',
      program_key: 'text',
      customer_key: 'text',
      sub_ids: 'text[]',
    },
    links: [
      ...partnershipLinks(),
      { idColumn: 'referral_id', keyColumn: 'customer_key', target: 'referral', targetColumn: 'external_key' },
    ],
  },
  reward: {
    columns: {
      amount: 'bigint',
      currency: 'text',
      description: 'text',
      reward_status: 'text',
      payment_status: 'text',
      decline_reason: 'text',
      withdrawn: 'boolean',
      recurrence: 'text',
      source_type: 'text',
      source_key: 'text',
      creation_source: 'text',
      payment_date: 'timestamptz',
      ready_at: 'timestamptz',
      partnership_key: 'text',
      program_key: 'text',
      customer_key: 'text',
      billing_record_key: 'text',
      payout_ref: 'text',
    },
    links: [
      ...partnershipLinks(),
      { idColumn: 'referral_id', keyColumn: 'customer_key', target: 'referral', targetColumn: 'external_key' },
      {
        idColumn: 'billing_record_id',
        keyColumn: 'billing_record_key',
        target: 'billing_record',
        targetColumn: 'external_key',
      },
      ...PAYOUT_REFERENCE_COLUMNS.map((targetColumn): LinkSpec => ({
        idColumn: 'payout_id',
        keyColumn: 'payout_ref',
        target: 'payout',
        targetColumn,
      })),
    ],
  },
  action: {
    columns: {
      action_type: 'text',
      value: 'numeric',
      archived: 'boolean',
      partnership_key: 'text',
      program_key: 'text',
      customer_key: 'text',
    },
    links: [
      ...partnershipLinks(),
      { idColumn: 'referral_id', keyColumn: 'customer_key', target: 'referral', targetColumn: 'external_key' },
    ],
  },
  deal: {
    columns: {
      vendor_external_key: 'text',
      account_name: 'text',
      account_name_normalized: 'text',
      amount: 'bigint',
      currency: 'text',
      close_date: 'date',
      contact_first_name: 'text',
      contact_last_name: 'text',
      stage: 'text',
      lost_reason: 'text',
      deal_source: 'text',
      group_key: 'text',
      partner_key: 'text',
    },
    links: [
      {
        idColumn: 'account_id',
        keyColumn: 'account_name_normalized',
        target: 'account',
        targetColumn: 'name_normalized',
        ambiguous: true,
      },
    ],
  },
  lead: {
    columns: {
      vendor_external_key: 'text',
      status: 'text',
      approved: 'boolean',
      amount: 'bigint',
      currency: 'text',
      account_name: 'text',
      account_name_normalized: 'text',
      customer_key: 'text',
      group_key: 'text',
      partner_key: 'text',
    },
    links: [
      { idColumn: 'account_id', keyColumn: 'customer_key', target: 'account', targetColumn: 'external_key' },
      {
        idColumn: 'account_id',
        keyColumn: 'account_name_normalized',
        target: 'account',
        targetColumn: 'name_normalized',
        ambiguous: true,
        onlyWhen: 'r.customer_key is null',
      },
    ],
  },
};
