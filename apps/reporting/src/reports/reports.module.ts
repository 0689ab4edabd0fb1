import { Module } from '@nestjs/common';

import { AccountReports } from './account-reports';
import { ReportsController } from './reports.controller';
import { ReportsRepository } from './reports.repository';

@Module({
  controllers: [ReportsController],
  providers: [ReportsRepository, AccountReports],
  exports: [ReportsRepository],
})
export class ReportsModule {}
