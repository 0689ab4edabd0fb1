import { Module } from '@nestjs/common';

import { ReportsController } from './reports.controller';
import { ReportsRepository } from './reports.repository';

@Module({ controllers: [ReportsController], providers: [ReportsRepository], exports: [ReportsRepository] })
export class ReportsModule {}
