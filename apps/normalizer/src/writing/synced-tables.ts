import type { EntityClass, EntityKey } from '@mikro-orm/core';

import {
  Account,
  Action,
  BillingRecord,
  Contact,
  Deal,
  Lead,
  MarketplaceProgram,
  Partnership,
  Payout,
  Program,
  Referral,
  Reward,
  SyncedRecord,
} from '@pp/domain';

import { PAYOUT_REFERENCE_PROPERTIES } from '../mapping/partnerstack-assumptions.constants';

/** Properties of `E` that hold text (keys a link can match on). */
type TextProperty<E> = { [K in EntityKey<E>]: E[K] extends string | null ? K : never }[EntityKey<E>];

/** One way a link id is resolved: the referring row's `by` value equals the target's `targetProperty`. */
export interface LinkRule<E> {
  by: TextProperty<E>;
  /** The target's property `by` is matched against; its external key unless said otherwise. */
  targetProperty?: string;
  /** Several targets can match (names): the one with the lowest external key wins, whatever the arrival order. */
  ambiguous?: true;
  /** Used only while the referring row has no value here (a fallback behind a better key). */
  onlyWithout?: TextProperty<E>;
}

/**
 * What the entity metadata cannot say about a synced table: how its link ids are resolved (the target comes from
 * the `@Link` relation), which columns keep their earliest value instead of the newest version's, and which fields
 * have a status history. Every column, type and key is read from the entity.
 */
export interface SyncedTableRules<E, L extends EntityKey<E> = never, Early extends EntityKey<E> = never> {
  entity: EntityClass<E>;
  links?: { [K in L]: LinkRule<E>[] };
  /** Set from the earliest version seen that carries a value (e.g. `convertedAt`), never overwritten by a later one. */
  keepEarliest?: Early[];
  /** Fields whose every change is kept in `status_history`, under the column's name. */
  history?: Exclude<EntityKey<E>, L | Early>[];
}

/** Infers the declaration's link and earliest properties, so the mapped data's type can leave them out. */
function rules<E extends SyncedRecord, L extends EntityKey<E> = never, Early extends EntityKey<E> = never>(
  declaration: SyncedTableRules<E, L, Early>,
): SyncedTableRules<E, L, Early> {
  return declaration;
}

const byPartnership = {
  partnershipId: [{ by: 'partnershipKey' as const }],
  programId: [{ by: 'programKey' as const }],
};

/** The synced tables of the `domain` schema, keyed by table name, in the order a batch upserts them. */
export const SYNCED_TABLE_RULES = {
  marketplace_program: rules({ entity: MarketplaceProgram }),
  program: rules({ entity: Program, links: { marketplaceProgramId: [{ by: 'marketplaceProgramKey' }] } }),
  partnership: rules({
    entity: Partnership,
    links: { programId: [{ by: 'programKey' }] },
    history: ['status', 'archived'],
  }),
  contact: rules({ entity: Contact }),
  account: rules({ entity: Account, links: { contactId: [{ by: 'contactEmail' }] } }),
  referral: rules({
    entity: Referral,
    links: { ...byPartnership, accountId: [{ by: 'externalKey' }], contactId: [{ by: 'contactEmail' }] },
    keepEarliest: ['convertedAt'],
    history: ['status'],
  }),
  payout: rules({
    entity: Payout,
    links: { partnershipId: [{ by: 'partnershipKey' }] },
    history: ['status'],
  }),
  billing_record: rules({
    entity: BillingRecord,
    links: { ...byPartnership, referralId: [{ by: 'customerKey' }] },
    history: ['refunded'],
  }),
  reward: rules({
    entity: Reward,
    links: {
      ...byPartnership,
      referralId: [{ by: 'customerKey' }],
      billingRecordId: [{ by: 'billingRecordKey' }],
      payoutId: PAYOUT_REFERENCE_PROPERTIES.map((targetProperty) => ({ by: 'payoutRef' as const, targetProperty })),
      reversedRewardId: [{ by: 'reversedRewardKey' }],
    },
    history: ['rewardStatus', 'paymentStatus'],
  }),
  action: rules({ entity: Action, links: { ...byPartnership, referralId: [{ by: 'customerKey' }] } }),
  deal: rules({
    entity: Deal,
    links: { accountId: [{ by: 'accountNameNormalized', targetProperty: 'nameNormalized', ambiguous: true }] },
    history: ['stage'],
  }),
  lead: rules({
    entity: Lead,
    links: {
      accountId: [
        { by: 'customerKey' },
        { by: 'accountNameNormalized', targetProperty: 'nameNormalized', ambiguous: true, onlyWithout: 'customerKey' },
      ],
    },
    history: ['status'],
  }),
};

export type SyncedTable = keyof typeof SYNCED_TABLE_RULES;

export const SYNCED_TABLES = Object.keys(SYNCED_TABLE_RULES) as SyncedTable[];

type RulesOf<T extends SyncedTable> = (typeof SYNCED_TABLE_RULES)[T];

/** The entity of a synced table. */
export type EntityOf<T extends SyncedTable> =
  RulesOf<T> extends SyncedTableRules<infer E, infer _L, infer _Early> ? E : never;

/** The link ids of a synced table: resolved by the writer, never mapped. */
export type LinkIdOf<T extends SyncedTable> =
  RulesOf<T> extends SyncedTableRules<infer _E, infer L, infer _Early> ? L : never;

/** The columns of a synced table that keep their earliest value. */
export type EarliestOf<T extends SyncedTable> =
  RulesOf<T> extends SyncedTableRules<infer _E, infer _L, infer Early> ? Early : never;
