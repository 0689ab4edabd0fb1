import { PartnerStackStream } from '@pp/contracts';
import { PartnerStackClient } from '@pp/partnerstack-client';

import { Connection } from '../connections/connection.entity';
import { Transaction } from '../database/sync-database';
import { SyncRun } from '../runs/sync-run.entity';
import { StreamCounts } from '../runs/sync-runs.repository';
import { RunProgress } from './run-progress';

/** Thrown when this worker's org lease was taken over: it must stop at once, without finishing the run. */
export class LeaseLostError extends Error {
  constructor(connectionId: string) {
    super(`The sync lease of connection '${connectionId}' was lost to another worker`);
    this.name = 'LeaseLostError';
  }
}

export interface LeaseGuard {
  /** Renews the lease inside `trx`, so a checkpoint is only ever committed by the lease holder. */
  confirm(trx: Transaction): Promise<void>;
}

/** Everything a stream sync needs from its run. The token lives here, in memory, for the length of the job only. */
export interface RunContext {
  run: SyncRun;
  connection: Connection;
  token: string;
  client: PartnerStackClient;
  full: boolean;
  overlapMs: number;
  /** Warm tier: how far back its passes re-read, and how often. */
  warmWindowMs: number;
  warmIntervalMs: number;
  lease: LeaseGuard;
  progress: RunProgress;
  /** API calls, 429s and errors of a stream since the last call (they are added to the run's stream row). */
  takeRequestCounts(stream: PartnerStackStream): StreamCounts;
}
