import { INestApplication } from '@nestjs/common';

import { PARTNERSTACK_STREAMS, PartnerStackStream, QUEUES } from '@pp/contracts';
import { waitFor } from '@pp/testing';

import { startSandbox } from '../../../apps/partnerstack-sandbox/src/start-sandbox';
import { WARM_STREAMS } from '../../../apps/sync/src/sync.constants';
import { recordHash } from '../../../apps/sync/src/worker/record-hash';
import { SandboxAdmin } from './sandbox-admin';
import { walkRecords } from './sandbox-walk';
import {
  bootSync,
  closeApp,
  CapturedMessage,
  connectOrg,
  createSyncInfra,
  EventRecorder,
  publish,
  startHandoffServer,
  SyncInfra,
  waitForQueues,
  waitForRuns,
} from './sync-harness';

type JsonRecord = Record<string, unknown> & { key: string; created_at?: number };
const DAY = 86_400_000;
const OVERLAP_MS = DAY;
const WARM_WINDOW_DAYS = 90;

/** What the events told a consumer, replayed in order: the newest version of every record, removals applied. */
function replay(messages: readonly CapturedMessage[]): Map<string, JsonRecord> {
  const state = new Map<string, JsonRecord>();
  for (const message of messages) {
    if (!message.routingKey.startsWith('partnerstack.raw.')) continue;
    const id = `${String(message.payload.stream)}:${message.payload.externalKey}`;
    if (message.routingKey.endsWith('.removed')) state.delete(id);
    else state.set(id, (message.payload as { record: JsonRecord }).record);
  }
  return state;
}

const walk = (baseUrl: string, token: string, stream: PartnerStackStream) =>
  walkRecords(baseUrl, token, stream) as Promise<JsonRecord[] | null>;

const money = (record: JsonRecord | undefined) =>
  record && { status: record.reward_status, payment: record.payment_status, amount: record.amount };

describe('freshness tiers: exact rewards every sync, a warm window, a full reconcile', () => {
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  let admin: SandboxAdmin;
  let infra: SyncInfra;
  let handoff: INestApplication;
  let app: INestApplication;
  const recorder = new EventRecorder();
  const tokens = new Map<string, string>();
  const TOKEN = 'sandbox_sync_freshness';
  const tenantId = 'org-sync-freshness';
  let connectionId: string;
  let runs = 0;

  const syncNow = async (syncRunId: string, mode: 'incremental' | 'full' = 'incremental') => {
    await publish(app, 'sync.requested', { connectionId, syncRunId, reason: 'manual', mode }, tenantId);
    runs += 1;
    const finished = (await waitForRuns(recorder, connectionId, runs, 120_000))[runs - 1];
    expect(finished.payload).toMatchObject({ syncRunId, status: 'succeeded' });
    return finished;
  };
  const watermarkOf = async (stream: PartnerStackStream) =>
    Number(
      (
        await infra.db.query(`select watermark from sync.stream_state where connection_id = $1 and stream = $2`, [
          connectionId,
          stream,
        ])
      ).rows[0].watermark,
    );

  beforeAll(async () => {
    sandbox = await startSandbox();
    admin = new SandboxAdmin(sandbox.adminUrl);
    await admin.configure(TOKEN, { records: 3_000, dealsVisible: true, leadsVisible: true });
    infra = await createSyncInfra(sandbox.baseUrl, {
      SYNC_WARM_WINDOW_DAYS: String(WARM_WINDOW_DAYS),
      SYNC_OVERLAP_MINUTES: String(OVERLAP_MS / 60_000),
      SYNC_PROGRESS_INTERVAL_SECONDS: '1',
    });
    await recorder.start(infra.amqpUrl);
    handoff = await startHandoffServer(infra.amqpUrl, tokens);
    app = await bootSync(infra, 'all');
    await waitForQueues(infra, [QUEUES.syncScheduler.queue, QUEUES.syncJobs.queue]);
    connectionId = await connectOrg(app, tenantId);
    tokens.set(connectionId, TOKEN);
    runs = 1;
    await waitForRuns(recorder, connectionId, 1, 90_000);
  });

  afterAll(async () => {
    await closeApp(app);
    await closeApp(handoff);
    await recorder.stop();
    await infra?.drop();
    await sandbox?.close();
  });

  it('one incremental sync makes every reward equal PartnerStack, whatever its age, at calls that follow the change', async () => {
    const before = new Map(((await walk(sandbox.baseUrl, TOKEN, 'rewards')) ?? []).map((r) => [r.key, r]));
    const sweptBefore = (await watermarkOf('rewards')) - OVERLAP_MS;
    // Past the 13th: payouts pay approved rewards of every age, and others are declined, leaving the open sweep.
    await admin.advance(TOKEN, 14);
    const after = (await walk(sandbox.baseUrl, TOKEN, 'rewards'))!;
    // Rewards created before the incremental window whose money changed: only the sweep and the read-back see them.
    const oldChanged = after.filter(
      (reward) =>
        (reward.created_at ?? 0) <= sweptBefore &&
        JSON.stringify(money(before.get(reward.key))) !== JSON.stringify(money(reward)),
    );
    const departed = oldChanged.filter((reward) => ['paid', 'declined'].includes(String(reward.reward_status)));
    expect(departed.length).toBeGreaterThan(0);
    const changedCustomers = new Set(
      oldChanged.map((reward) => (reward.customer as { key?: string } | null)?.key ?? `none:${reward.created_at}`),
    );

    await admin.resetStats(TOKEN);
    const finished = await syncNow('fresh-incremental');
    expect(finished.payload.mode).toBe('incremental');
    const seen = replay(recorder.messages);
    const wrong = after.filter(
      (reward) => JSON.stringify(money(seen.get(`rewards:${reward.key}`))) !== JSON.stringify(money(reward)),
    );
    expect(wrong.map((reward) => reward.key)).toEqual([]);

    const streams = finished.payload.streams as { stream: string; apiCalls: number }[];
    const rewardCalls = streams.find((s) => s.stream === 'rewards')!.apiCalls;
    const sweepPages = await admin.openRewardSweepPages(TOKEN);
    // window + every open status's pages + a few payment-status sweeps + at most one read-back call per change.
    expect(rewardCalls).toBeLessThanOrEqual(1 + sweepPages + 3 + changedCustomers.size);
    for (const { stream, apiCalls } of streams)
      if (stream !== 'rewards') expect({ stream, apiCalls }).toEqual({ stream, apiCalls: 1 });
  });

  it('after 45 days of change, clawbacks included, one incremental sync still makes every reward exact', async () => {
    const before = new Map(((await walk(sandbox.baseUrl, TOKEN, 'rewards')) ?? []).map((r) => [r.key, r]));
    await admin.advance(TOKEN, 45);
    const after = (await walk(sandbox.baseUrl, TOKEN, 'rewards'))!;
    const reversed = after.filter(
      (reward) =>
        before.get(reward.key)?.payment_status === 'withdrawn' && reward.payment_status === 'paid_and_refunded',
    );
    expect(reversed.length).toBeGreaterThan(0);
    expect(after.some((reward) => !before.has(reward.key) && Number(reward.amount) < 0)).toBe(true);

    await syncNow('fresh-clawbacks');
    const seen = replay(recorder.messages);
    const wrong = after.filter(
      (reward) => JSON.stringify(money(seen.get(`rewards:${reward.key}`))) !== JSON.stringify(money(reward)),
    );
    expect(wrong.map((reward) => reward.key)).toEqual([]);
  });

  it('the warm pass makes every record created inside the warm window equal PartnerStack, removals included', async () => {
    await admin.advance(TOKEN, 2);
    await infra.db.query(`update sync.stream_state set last_warm_at = null where connection_id = $1`, [connectionId]);
    const finished = await syncNow('fresh-warm');
    const seen = replay(recorder.messages);
    let checked = 0;
    for (const stream of WARM_STREAMS) {
      const records = await walk(sandbox.baseUrl, TOKEN, stream);
      if (records === null) continue;
      const windowStart = (await watermarkOf(stream)) - WARM_WINDOW_DAYS * DAY;
      const upstream = new Map(records.filter((r) => (r.created_at ?? 0) > windowStart).map((r) => [r.key, r]));
      for (const [key, record] of upstream) {
        expect({ id: `${stream}:${key}`, hash: recordHash(seen.get(`${stream}:${key}`) ?? null) }).toEqual({
          id: `${stream}:${key}`,
          hash: recordHash(record),
        });
        checked += 1;
      }
      const stale = [...seen.entries()].filter(
        ([id, record]) =>
          id.startsWith(`${stream}:`) &&
          (record.created_at ?? 0) > windowStart &&
          !upstream.has(id.slice(stream.length + 1)),
      );
      expect(stale.map(([id]) => id)).toEqual([]);
    }
    expect(checked).toBeGreaterThan(100);
    const freshness = finished.payload.freshness as {
      stream: string;
      warmAsOf: string | null;
      warmWindowDays: number | null;
    }[];
    const transactions = freshness.find((f) => f.stream === 'transactions')!;
    expect(transactions.warmWindowDays).toBe(WARM_WINDOW_DAYS);
    expect(Date.parse(transactions.warmAsOf!)).toBeGreaterThanOrEqual(Date.parse(String(finished.payload.startedAt)));
  });

  it('the full reconcile makes everything equal PartnerStack, and progress is published while it runs', async () => {
    await admin.advance(TOKEN, 30);
    await admin.configure(TOKEN, { faults: { latencyMs: 80 } });
    const finished = await syncNow('fresh-full', 'full');
    await admin.configure(TOKEN, { faults: { latencyMs: 0 } });
    const seen = replay(recorder.messages);
    for (const stream of PARTNERSTACK_STREAMS) {
      const records = await walk(sandbox.baseUrl, TOKEN, stream);
      if (records === null) continue;
      const mine = new Map(
        [...seen].filter(([id]) => id.startsWith(`${stream}:`)).map(([id, r]) => [id, recordHash(r)]),
      );
      const theirs = new Map(records.map((r) => [`${stream}:${r.key}`, recordHash(r)]));
      expect({ stream, size: mine.size }).toEqual({ stream, size: theirs.size });
      for (const [id, hash] of theirs) expect({ id, hash: mine.get(id) }).toEqual({ id, hash });
    }

    const progress = recorder.of('sync.run.progress', (m) => m.payload.syncRunId === 'fresh-full');
    expect(progress.length).toBeGreaterThan(1);
    // Mid-run: some streams done while others are still to do, with records already counted.
    const midRun = progress.filter((m) => {
      const streams = m.payload.streams as { status: string; fetched: number }[];
      return (
        streams.some((s) => s.status === 'succeeded') &&
        streams.some((s) => s.status === 'pending' || s.status === 'running') &&
        streams.some((s) => s.fetched > 0)
      );
    });
    expect(midRun.length).toBeGreaterThan(0);
    const times = progress.map((m) => Date.parse(String(m.payload.reportedAt)));
    for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(950);
    expect(Math.max(...times)).toBeLessThanOrEqual(Date.parse(String(finished.payload.finishedAt)) + 1_000);
    const freshness = finished.payload.freshness as { stream: string; reconciledAt: string | null }[];
    expect(freshness.find((f) => f.stream === 'customers')!.reconciledAt).toEqual(expect.any(String));
  });

  it('the status sweep reads rewards that PartnerStack never moved only once each', async () => {
    await admin.resetStats(TOKEN);
    const finished = await syncNow('fresh-nochange');
    expect(finished.payload.recordsEmitted).toBe(0);
    const sweepPages = await admin.openRewardSweepPages(TOKEN);
    const streams = finished.payload.streams as { stream: string; apiCalls: number }[];
    expect(streams.find((s) => s.stream === 'rewards')!.apiCalls).toBeLessThanOrEqual(1 + sweepPages + 3);
    await waitFor(async () => (await admin.stats(TOKEN)).requests > 0 || undefined, { description: 'calls counted' });
  });
});
