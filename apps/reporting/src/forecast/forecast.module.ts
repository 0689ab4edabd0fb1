import { Module } from '@nestjs/common';

import { ForecastController } from './forecast.controller';
import { ForecastRepository } from './forecast.repository';

@Module({ controllers: [ForecastController], providers: [ForecastRepository] })
export class ForecastModule {}
