import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

import { describeError, newInstanceId, sleep } from '@pp/common';

import { SyncEnv } from '../config/sync.env';
import { LeasesRepository } from '../database/leases.repository';
import { SyncRun } from '../runs/sync-run.entity';
import { LeaseGuard, LeaseLostError } from './run-context';

/** The org lease while this worker holds it: checked between streams, and renewed inside every checkpoint. */
export interface HeldOrgLease extends LeaseGuard {
  /** Throws LeaseLostError once a heartbeat found the lease taken over by another worker. */
  assertHeld(): void;
}

/**
 * Keeps a connection's org lease for the length of one run: takes it (waiting out a dead holder), renews it on a
 * heartbeat, notices when another worker took it over, and releases it unless it was lost.
 */
@Injectable()
export class OrgLeaseKeeper {
  private readonly logger = new Logger(OrgLeaseKeeper.name);
  /** This worker, as the holder of org leases and as the worker recorded on the runs it starts. */
  public readonly workerId = newInstanceId();

  constructor(
    private readonly config: ConfigService<SyncEnv, true>,
    private readonly leases: LeasesRepository,
  ) {}

  private get leaseTtlMs(): number {
    return this.config.get('SYNC_LEASE_TTL_SECONDS', { infer: true }) * 1000;
  }

  /**
   * Runs `work` while holding the org lease of the run's connection. Does not run it when a live worker holds the
   * lease, and ends quietly when the lease is lost mid-run: the run then belongs to the new holder.
   */
  public async whileHeld(run: SyncRun, work: (lease: HeldOrgLease) => Promise<void>): Promise<void> {
    if (!(await this.acquire(run))) return;
    let lost = false;
    const heartbeat = setInterval(() => {
      this.leases
        .renewOrg(run.connectionId, this.workerId, this.leaseTtlMs)
        .then((held) => {
          if (!held) lost = true;
        })
        .catch((error) => this.logger.warn(`Could not renew the sync lease: ${describeError(error)}`));
    }, this.leaseTtlMs / 3);
    heartbeat.unref();
    const lease: HeldOrgLease = {
      assertHeld: () => {
        if (lost) throw new LeaseLostError(run.connectionId);
      },
      confirm: async (trx) => {
        lease.assertHeld();
        const held = await this.leases.renewOrg(run.connectionId, this.workerId, this.leaseTtlMs, trx);
        if (!held) throw new LeaseLostError(run.connectionId);
      },
    };
    try {
      await work(lease);
    } catch (error) {
      if (error instanceof LeaseLostError) {
        this.logger.warn(`${error.message}; leaving run '${run.id}' to it`);
        return;
      }
      throw error;
    } finally {
      clearInterval(heartbeat);
      if (!lost) await this.leases.releaseOrg(run.connectionId, this.workerId).catch(() => undefined);
    }
  }

  /**
   * Takes the org lease. A lease still held after a full TTL belongs to a live worker (it keeps renewing it):
   * that worker is already running this org, so this delivery is a duplicate and is dropped.
   */
  private async acquire(run: SyncRun): Promise<boolean> {
    const deadline = Date.now() + this.leaseTtlMs * 1.5 + 1000;
    for (;;) {
      if (await this.leases.acquireOrg(run.connectionId, this.workerId, run.id, this.leaseTtlMs)) return true;
      if (Date.now() > deadline) {
        const holder = await this.leases.liveOrgLease(run.connectionId);
        this.logger.log(
          `Run '${run.id}' is in the hands of live worker '${holder?.holder ?? 'unknown'}'; dropping this job`,
        );
        return false;
      }
      await sleep(Math.min(1000, this.leaseTtlMs / 4));
    }
  }
}
