import { Global, Module } from '@nestjs/common';

import { PersistenceModule } from '@pp/persistence';

import { readerConnection, ReportingDatabase, ReportingSql } from './reporting-database.service';

@Global()
@Module({
  // No entities: reporting reads the normalizer's tables with SQL, typed by @pp/domain's entity classes.
  imports: [PersistenceModule.forRoot({ entities: [], connection: readerConnection })],
  providers: [ReportingSql, ReportingDatabase],
  exports: [ReportingDatabase, PersistenceModule],
})
export class DatabaseModule {}
