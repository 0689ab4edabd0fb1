import { Global, Module } from '@nestjs/common';

import { ReportingDatabase, ReportingDatabaseProbe } from './reporting-database.service';

@Global()
@Module({
  providers: [ReportingDatabase, ReportingDatabaseProbe],
  exports: [ReportingDatabase, ReportingDatabaseProbe],
})
export class DatabaseModule {}
