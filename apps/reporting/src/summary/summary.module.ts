import { Module } from '@nestjs/common';

import { SummaryController } from './summary.controller';
import { SummaryRepository } from './summary.repository';

@Module({ controllers: [SummaryController], providers: [SummaryRepository] })
export class SummaryModule {}
