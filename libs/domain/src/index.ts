import { Account } from './entities/account.entity';
import { AccountMatch } from './entities/account-match.entity';
import { AccountMatchHistory } from './entities/account-match-history.entity';
import { Action } from './entities/action.entity';
import { BillingRecord } from './entities/billing-record.entity';
import { CommissionRule } from './entities/commission-rule.entity';
import { Contact } from './entities/contact.entity';
import { Deal } from './entities/deal.entity';
import { InsightOutbox } from './entities/insight-outbox.entity';
import { Lead } from './entities/lead.entity';
import { MarketplaceProgram } from './entities/marketplace-program.entity';
import { Partnership } from './entities/partnership.entity';
import { Payout } from './entities/payout.entity';
import { PendingRemoval } from './entities/pending-removal.entity';
import { Program } from './entities/program.entity';
import { Referral } from './entities/referral.entity';
import { ReportBillingDaily, ReportBillingMonthly } from './entities/report-billing.entity';
import {
  ReportMissedReward,
  ReportMissedRewardDaily,
  ReportMissedRewardLifecycle,
  ReportMissedRewardMonthly,
} from './entities/report-missed-reward.entity';
import { ReportPayoutDaily, ReportPayoutMonthly } from './entities/report-payout.entity';
import { ReportReferralDaily, ReportReferralMonthly } from './entities/report-referral.entity';
import { ReportRewardDaily, ReportRewardMonthly } from './entities/report-reward.entity';
import { Reward } from './entities/reward.entity';
import { StatusHistory } from './entities/status-history.entity';
import { StatusObservation } from './entities/status-observation.entity';
import { SyncedRecord } from './entities/synced-record.entity';
import { SyncRun } from './entities/sync-run.entity';

export * from './entities/account.entity';
export * from './entities/account-match.entity';
export * from './entities/account-match-history.entity';
export * from './entities/action.entity';
export * from './entities/billing-record.entity';
export * from './entities/commission-rule.entity';
export * from './entities/contact.entity';
export * from './entities/deal.entity';
export * from './entities/insight-outbox.entity';
export * from './entities/lead.entity';
export * from './entities/marketplace-program.entity';
export * from './entities/partnership.entity';
export * from './entities/payout.entity';
export * from './entities/pending-removal.entity';
export * from './entities/program.entity';
export * from './entities/referral.entity';
export * from './entities/report-billing.entity';
export * from './entities/report-missed-reward.entity';
export * from './entities/report-payout.entity';
export * from './entities/report-referral.entity';
export * from './entities/report-reward.entity';
export * from './entities/reward.entity';
export * from './entities/status-history.entity';
export * from './entities/status-observation.entity';
export * from './entities/synced-record.entity';
export * from './entities/sync-run.entity';
export * from './migrations';
export * from './free-mail-domains';
export * from './missed-rewards';
export * from './stable-id';

/**
 * Every table of the `domain` schema, for `PersistenceModule.forRoot({ entities })`: the normalized model, its
 * bookkeeping and the reporting aggregates. The schema test proves the migrations build exactly these.
 */
export const DOMAIN_ENTITIES = [
  SyncedRecord,
  Program,
  MarketplaceProgram,
  Partnership,
  CommissionRule,
  Contact,
  Account,
  AccountMatch,
  AccountMatchHistory,
  Referral,
  BillingRecord,
  Payout,
  Reward,
  Action,
  Deal,
  Lead,
  StatusObservation,
  StatusHistory,
  PendingRemoval,
  SyncRun,
  ReportBillingDaily,
  ReportBillingMonthly,
  ReportRewardDaily,
  ReportRewardMonthly,
  ReportReferralDaily,
  ReportReferralMonthly,
  ReportPayoutDaily,
  ReportPayoutMonthly,
  ReportMissedReward,
  ReportMissedRewardDaily,
  ReportMissedRewardMonthly,
  ReportMissedRewardLifecycle,
  InsightOutbox,
];
