import { Connection, FollowUpRun } from '../connections/connection.entity';
import { RunRequest } from '../runs/run-request.entity';
import { RunStream } from '../runs/run-stream.entity';
import { SyncRun } from '../runs/sync-run.entity';
import { RecordState } from '../worker/record-state.entity';
import { StreamState } from '../worker/stream-state.entity';
import { LeaderLease, OrgLease } from './leases.entity';
import { GlobalPacerBucket, RequestPacerBucket } from './pacer-buckets.entity';

/** Every table of the `sync` schema; the schema test proves the migrations build exactly these. */
export const SYNC_ENTITIES = [
  Connection,
  FollowUpRun,
  SyncRun,
  RunStream,
  RunRequest,
  StreamState,
  RecordState,
  LeaderLease,
  OrgLease,
  RequestPacerBucket,
  GlobalPacerBucket,
];
