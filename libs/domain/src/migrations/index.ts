import { Migration20261125063000DomainModel } from './Migration20261125063000DomainModel';
import { Migration20261125120000ReportAggregates } from './Migration20261125120000ReportAggregates';
import { Migration20261125140000LeanerWriteIndexes } from './Migration20261125140000LeanerWriteIndexes';
import { Migration20261201120000MonthlyReportAggregates } from './Migration20261201120000MonthlyReportAggregates';
import { Migration20261201130000RefreshWithoutJit } from './Migration20261201130000RefreshWithoutJit';
import { Migration20261202120000SyncRunFreshness } from './Migration20261202120000SyncRunFreshness';
import { Migration20261202180000MissedRewardRules } from './Migration20261202180000MissedRewardRules';
import { Migration20261204100000MissedRewardClaims } from './Migration20261204100000MissedRewardClaims';
import { Migration20261204110000EarningsHistory } from './Migration20261204110000EarningsHistory';
import { Migration20261204120000AccountRouteIndexes } from './Migration20261204120000AccountRouteIndexes';
import { Migration20261204130000AccountMatching } from './Migration20261204130000AccountMatching';
import { Migration20261204150000InsightOutbox } from './Migration20261204150000InsightOutbox';

import type { MigrationSet } from '../../../persistence/src/migrations';

/** The normalized model (schema `domain`): written by the normalizer, read by the reporting service. */
export const domainMigrations: MigrationSet = {
  schema: 'domain',
  migrations: [
    { name: 'Migration20261125063000DomainModel', class: Migration20261125063000DomainModel },
    { name: 'Migration20261125120000ReportAggregates', class: Migration20261125120000ReportAggregates },
    { name: 'Migration20261125140000LeanerWriteIndexes', class: Migration20261125140000LeanerWriteIndexes },
    { name: 'Migration20261201120000MonthlyReportAggregates', class: Migration20261201120000MonthlyReportAggregates },
    { name: 'Migration20261201130000RefreshWithoutJit', class: Migration20261201130000RefreshWithoutJit },
    { name: 'Migration20261202120000SyncRunFreshness', class: Migration20261202120000SyncRunFreshness },
    { name: 'Migration20261202180000MissedRewardRules', class: Migration20261202180000MissedRewardRules },
    { name: 'Migration20261204100000MissedRewardClaims', class: Migration20261204100000MissedRewardClaims },
    { name: 'Migration20261204110000EarningsHistory', class: Migration20261204110000EarningsHistory },
    { name: 'Migration20261204120000AccountRouteIndexes', class: Migration20261204120000AccountRouteIndexes },
    { name: 'Migration20261204130000AccountMatching', class: Migration20261204130000AccountMatching },
    { name: 'Migration20261204150000InsightOutbox', class: Migration20261204150000InsightOutbox },
  ],
};
