import { Controller, Get, Module, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { PrometheusController, PrometheusModule } from '@willsoto/nestjs-prometheus';
import type { Response } from 'express';

import { PublicRoute } from './public-route';

@Controller()
@PublicRoute()
@ApiExcludeController()
export class MetricsController extends PrometheusController {
  @Get()
  public override index(@Res({ passthrough: true }) response: Response) {
    return super.index(response);
  }
}

@Module({
  imports: [
    PrometheusModule.register({ path: '/metrics', controller: MetricsController, defaultMetrics: { enabled: true } }),
  ],
  exports: [PrometheusModule],
})
export class MetricsModule {}
