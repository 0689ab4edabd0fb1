import { Controller, DynamicModule, Get, Module, Type } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { ApiExcludeController } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TerminusModule } from '@nestjs/terminus';

import { PublicRoute } from './public-route';

/** A dependency the service cannot work without (database, broker); `/health/ready` is 503 while one is down. */
export interface ReadinessProbe {
  readonly name: string;
  isReady(): Promise<boolean>;
}

export const READINESS_PROBES = Symbol('READINESS_PROBES');

export function createHealthController(probeTypes: Type<ReadinessProbe>[]) {
  @Controller('health')
  @PublicRoute()
  // Probes are the orchestrator's contract (docs/operations.md), not part of the API frontends generate clients from.
  @ApiExcludeController()
  class HealthController {
    private probes: ReadinessProbe[] | undefined;

    constructor(
      private readonly health: HealthCheckService,
      private readonly indicators: HealthIndicatorService,
      private readonly moduleRef: ModuleRef,
    ) {}

    @Get('live')
    public live() {
      return { status: 'ok' };
    }

    @Get('ready')
    @HealthCheck()
    public ready() {
      this.probes ??= probeTypes.map((type) => this.moduleRef.get(type, { strict: false }));
      return this.health.check(
        this.probes.map((probe) => async () => {
          const session = this.indicators.check(probe.name);
          const ready = await probe.isReady().catch(() => false);
          return ready ? session.up() : session.down();
        }),
      );
    }
  }
  return HealthController;
}

@Module({})
export class HealthModule {
  /** `probes` are provider classes exported by other modules of the app (database, broker). */
  static forRoot(probes: Type<ReadinessProbe>[]): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [createHealthController(probes)],
    };
  }
}
