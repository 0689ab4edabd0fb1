import { INestApplication } from '@nestjs/common';

import { QUEUES } from '@pp/contracts';
import { startSandbox } from '../../../apps/partnerstack-sandbox/src/start-sandbox';
import { SandboxAdmin } from './sandbox-admin';
import { walkRecords } from './sandbox-walk';
import {
  bootSync,
  closeApp,
  connectOrg,
  createSyncInfra,
  EventRecorder,
  publish,
  startHandoffServer,
  SyncInfra,
  waitForQueues,
  waitForRuns,
} from './sync-harness';

type Reward = Record<string, unknown> & { key: string; amount?: number; payment_status?: string | null };

async function rewards(baseUrl: string, token: string): Promise<Map<string, Reward>> {
  const records = (await walkRecords(baseUrl, token, 'rewards')) as Reward[];
  return new Map(records.map((record) => [record.key, record]));
}

/**
 * A paid reward whose transaction is refunded goes from `withdrawn` to `paid_and_refunded`: a step between two final
 * states that no sweep returns. Only the new clawback (a negative reward of the same customer) gives it away, so the
 * day-by-day syncs here must read that customer's rewards back. A payout day leaves so many departed rewards that
 * the read-back re-reads everything instead, so those days prove nothing and are passed over.
 */
describe('a clawback reads back the reward it reverses', () => {
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  let admin: SandboxAdmin;
  let infra: SyncInfra;
  let handoff: INestApplication;
  let app: INestApplication;
  const recorder = new EventRecorder();
  const tokens = new Map<string, string>();
  const TOKEN = 'sandbox_sync_clawbacks';
  const tenantId = 'org-sync-clawbacks';
  let connectionId: string;

  beforeAll(async () => {
    sandbox = await startSandbox();
    admin = new SandboxAdmin(sandbox.adminUrl);
    await admin.configure(TOKEN, { records: 20_000, dealsVisible: false, leadsVisible: false });
    infra = await createSyncInfra(sandbox.baseUrl);
    await recorder.start(infra.amqpUrl);
    handoff = await startHandoffServer(infra.amqpUrl, tokens);
    app = await bootSync(infra, 'all');
    await waitForQueues(infra, [QUEUES.syncScheduler.queue, QUEUES.syncJobs.queue]);
    connectionId = await connectOrg(app, tenantId);
    tokens.set(connectionId, TOKEN);
    await waitForRuns(recorder, connectionId, 1, 110_000);
  });

  afterAll(async () => {
    await closeApp(app);
    await closeApp(handoff);
    await recorder.stop();
    await infra?.drop();
    await sandbox?.close();
  });

  it('day by day, every reward reversed by a new clawback is paid_and_refunded after that day’s sync', async () => {
    let known = await rewards(sandbox.baseUrl, TOKEN);
    let proven = 0;
    for (let day = 1; day <= 40 && proven < 3; day++) {
      await admin.advance(TOKEN, 1);
      const now = await rewards(sandbox.baseUrl, TOKEN);
      const reversed = [...now.values()].filter(
        (reward) =>
          known.get(reward.key)?.payment_status === 'withdrawn' && reward.payment_status === 'paid_and_refunded',
      );
      const syncRunId = `clawback-day-${day}`;
      await publish(
        app,
        'sync.requested',
        { connectionId, syncRunId, reason: 'manual', mode: 'incremental' },
        tenantId,
      );
      const finished = (await waitForRuns(recorder, connectionId, day + 1, 60_000))[day];
      expect(finished.payload).toMatchObject({ syncRunId, status: 'succeeded', mode: 'incremental' });
      const emitted = new Map(
        recorder
          .raw(syncRunId)
          .filter((message) => message.payload.stream === 'rewards')
          .map((message) => [String(message.payload.externalKey), message.payload.record as Reward]),
      );
      const readAll = (finished.payload.streams as { stream: string; apiCalls: number }[]).find(
        (s) => s.stream === 'rewards',
      )!.apiCalls;
      // Re-reading everything (a payout day) would find them anyway: only the other days test the clawback read-back.
      if (reversed.length > 0 && readAll < Math.ceil(now.size / 250)) {
        for (const reward of reversed)
          expect({ key: reward.key, payment: emitted.get(reward.key)?.payment_status }).toEqual({
            key: reward.key,
            payment: 'paid_and_refunded',
          });
        proven += reversed.length;
      }
      known = now;
    }
    expect(proven).toBeGreaterThan(0);
  });
});
