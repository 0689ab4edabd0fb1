import { Module } from '@nestjs/common';

import { AuthModule } from '@pp/auth';
import { AppConfigModule } from '@pp/config';
import { HealthModule, LoggingModule, MetricsModule } from '@pp/observability';
import { DatabaseReadinessProbe } from '@pp/persistence';

import { AccountsModule } from './accounts/accounts.module';
import { ChangesModule } from './changes/changes.module';
import { reportingDevelopmentSecrets, reportingEnvSchema } from './config/reporting.env';
import { ContactsModule } from './contacts/contacts.module';
import { DatabaseModule } from './database/database.module';
import { DealsModule } from './deals/deals.module';
import { EarningsModule } from './earnings/earnings.module';
import { ForecastModule } from './forecast/forecast.module';
import { LeadsModule } from './leads/leads.module';
import { LimitsModule } from './limits/limits.module';
import { MissedRewardsModule } from './missed-rewards/missed-rewards.module';
import { PayoutsModule } from './payouts/payouts.module';
import { ProgramsModule } from './programs/programs.module';
import { ReferralsModule } from './referrals/referrals.module';
import { ReportsModule } from './reports/reports.module';
import { RewardsModule } from './rewards/rewards.module';
import { SummaryModule } from './summary/summary.module';
import { SyncRunsModule } from './sync-runs/sync-runs.module';
import { TransactionsModule } from './transactions/transactions.module';

@Module({
  imports: [
    AppConfigModule.forRoot(reportingEnvSchema, { developmentSecrets: reportingDevelopmentSecrets }),
    LoggingModule.forRoot('reporting'),
    MetricsModule,
    AuthModule,
    DatabaseModule,
    // Reporting only reads PostgreSQL: it neither publishes nor consumes, so a broker outage must not make it unready.
    HealthModule.forRoot([DatabaseReadinessProbe]),
    LimitsModule,
    SummaryModule,
    ProgramsModule,
    ReferralsModule,
    AccountsModule,
    ContactsModule,
    TransactionsModule,
    RewardsModule,
    PayoutsModule,
    LeadsModule,
    DealsModule,
    ReportsModule,
    EarningsModule,
    ForecastModule,
    MissedRewardsModule,
    SyncRunsModule,
    ChangesModule,
  ],
})
export class ReportingModule {}
