import { Account } from './entities/account.entity';
import { Action } from './entities/action.entity';
import { BillingRecord } from './entities/billing-record.entity';
import { CommissionRule } from './entities/commission-rule.entity';
import { Contact } from './entities/contact.entity';
import { Deal } from './entities/deal.entity';
import { Lead } from './entities/lead.entity';
import { MarketplaceProgram } from './entities/marketplace-program.entity';
import { Partnership } from './entities/partnership.entity';
import { Payout } from './entities/payout.entity';
import { Program } from './entities/program.entity';
import { Referral } from './entities/referral.entity';
import { Reward } from './entities/reward.entity';
import { StatusHistory } from './entities/status-history.entity';
import { SyncedRecord } from './entities/synced-record.entity';
import { SyncRun } from './entities/sync-run.entity';

export * from './entities/account.entity';
export * from './entities/action.entity';
export * from './entities/billing-record.entity';
export * from './entities/commission-rule.entity';
export * from './entities/contact.entity';
export * from './entities/deal.entity';
export * from './entities/lead.entity';
export * from './entities/marketplace-program.entity';
export * from './entities/partnership.entity';
export * from './entities/payout.entity';
export * from './entities/program.entity';
export * from './entities/referral.entity';
export * from './entities/reward.entity';
export * from './entities/status-history.entity';
export * from './entities/synced-record.entity';
export * from './entities/sync-run.entity';
export * from './migrations';
export * from './missed-rewards';
export * from './stable-id';

/** Every entity of the normalized model, for `PersistenceModule.forRoot({ entities })`. */
export const DOMAIN_ENTITIES = [
  SyncedRecord,
  Program,
  MarketplaceProgram,
  Partnership,
  CommissionRule,
  Contact,
  Account,
  Referral,
  BillingRecord,
  Payout,
  Reward,
  Action,
  Deal,
  Lead,
  StatusHistory,
  SyncRun,
];
