import { timingSafeEqual } from 'node:crypto';

import { Controller, Get, Module, NotFoundException, Res, UnauthorizedException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiExcludeController } from '@nestjs/swagger';
import { PrometheusController, PrometheusModule } from '@willsoto/nestjs-prometheus';
import type { Request, Response } from 'express';

import { PublicRoute } from './public-route';

/**
 * Who may read /metrics: with METRICS_TOKEN set, only a caller presenting it; without, anyone outside production
 * and no one in production (where an open /metrics would publish tenant counts and error rates).
 */
export function metricsAccess(
  configuredToken: string | undefined,
  production: boolean,
  authorization: string | undefined,
): 'allowed' | 'unauthorized' | 'hidden' {
  if (!configuredToken) return production ? 'hidden' : 'allowed';
  const presented = Buffer.from(/^Bearer (.+)$/i.exec(authorization ?? '')?.[1] ?? '');
  const expected = Buffer.from(configuredToken);
  return presented.length === expected.length && timingSafeEqual(presented, expected) ? 'allowed' : 'unauthorized';
}

@Controller()
@PublicRoute()
@ApiExcludeController()
export class MetricsController extends PrometheusController {
  constructor(private readonly config: ConfigService) {
    super();
  }

  @Get()
  public override index(@Res({ passthrough: true }) response: Response) {
    const request = response.req as Request;
    const access = metricsAccess(
      this.config.get<string>('METRICS_TOKEN'),
      this.config.get<string>('NODE_ENV') === 'production',
      request.headers.authorization,
    );
    if (access === 'hidden') throw new NotFoundException();
    if (access === 'unauthorized') throw new UnauthorizedException('/metrics needs the METRICS_TOKEN bearer token.');
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
