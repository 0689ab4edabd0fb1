import { INestApplication } from '@nestjs/common';

import { startSandbox } from '../../../apps/partnerstack-sandbox/src/start-sandbox';
import { SandboxAdmin } from './sandbox-admin';
import { idsOf, snapshot } from './sandbox-walk';
import {
  bootSync,
  CapturedMessage,
  closeApp,
  connectOrg,
  createSyncInfra,
  EventRecorder,
  startHandoffServer,
  SyncInfra,
  waitForRuns,
} from './sync-harness';

const idOf = (message: CapturedMessage) => `${String(message.payload.stream)}:${message.payload.externalKey}`;

describe('sync under upstream faults', () => {
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  let admin: SandboxAdmin;
  let infra: SyncInfra;
  let handoff: INestApplication;
  let app: INestApplication;
  const recorder = new EventRecorder();
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    sandbox = await startSandbox({ dealsAndLeads: 'always' });
    admin = new SandboxAdmin(sandbox.adminUrl);
    // The pacer allows more than PartnerStack does, so 429s (with Retry-After) happen for real.
    infra = await createSyncInfra(sandbox.baseUrl, { PARTNERSTACK_REQUESTS_PER_MINUTE: '3000' });
    await recorder.start(infra.amqpUrl);
    handoff = await startHandoffServer(infra.amqpUrl, tokens);
    app = await bootSync(infra, 'all');
  });

  afterAll(async () => {
    await closeApp(app);
    await closeApp(handoff);
    await recorder.stop();
    await infra?.drop();
    await sandbox?.close();
  });

  it('emits every record exactly once through 20% 5xx answers and a tight rate limit', async () => {
    const token = 'sandbox_sync_faults';
    await admin.configure(token, { records: 3_000 });
    const expected = await snapshot(sandbox.baseUrl, token);
    await admin.configure(token, { faults: { errorRate: 0.2, rateLimitPerMinute: 120 } });
    await admin.resetStats(token);

    const connectionId = await connectOrg(app, 'org-faults');
    tokens.set(connectionId, token);
    const [finished] = await waitForRuns(recorder, connectionId, 1, 100_000);
    expect(finished.payload).toMatchObject({ status: 'succeeded', error: null });
    const raw = recorder.raw(String(finished.payload.syncRunId));
    const ids = raw.map(idOf);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(idsOf(expected));

    const stats = await admin.stats(token);
    expect(stats.injectedErrors).toBeGreaterThan(0);
    expect(stats.rateLimited).toBeGreaterThan(0);
    const streams = finished.payload.streams as { apiCalls: number; rateLimited: number; errors: number }[];
    expect(streams.reduce((sum, s) => sum + s.apiCalls, 0)).toBe(stats.requests);
    expect(streams.reduce((sum, s) => sum + s.rateLimited, 0)).toBe(stats.rateLimited);
  });
});
