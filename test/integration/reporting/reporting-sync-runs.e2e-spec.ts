import { randomUUID } from 'node:crypto';

import request from 'supertest';

import { uniqueName } from '@pp/testing';

import { ReportingHarness, startReporting } from './reporting-app';
import { insert } from './reporting-fixture';

const freshness = (at: string) => [
  { stream: 'rewards', newRecordsAsOf: at, warmAsOf: at, warmWindowDays: 30, reconciledAt: null },
  { stream: 'customers', newRecordsAsOf: at, warmAsOf: null, warmWindowDays: null, reconciledAt: at },
];
const PROGRESS = {
  reportedAt: '2026-11-24T10:01:00.000Z',
  streams: [
    {
      stream: 'rewards',
      status: 'running',
      tier: 'incremental',
      pages: 3,
      fetched: 750,
      emitted: 12,
      removed: 0,
      estimatedPagesLeft: 2,
      reportedAt: '2026-11-24T10:01:00.000Z',
    },
  ],
};

const run = (tenant: string, key: string, extra: Record<string, unknown>) => ({
  id: randomUUID(),
  tenant_id: tenant,
  external_key: key,
  connection_id: 'conn_runs',
  mode: 'incremental',
  ...extra,
});

/** Sync runs as the normalizer keeps them: the summary's data time and freshness, and run details, from them. */
describe('reporting: sync runs, their progress and freshness', () => {
  let harness: ReportingHarness;
  const org = uniqueName('org_runs');
  const other = uniqueName('org_runs_other');
  const empty = uniqueName('org_runs_empty');
  const rows: Record<string, ReturnType<typeof run>> = {};

  const get = (path: string, as = org) =>
    request(harness.app.getHttpServer())
      .get(path)
      .set('Authorization', `Bearer ${harness.tokenFor(as)}`);

  beforeAll(async () => {
    harness = await startReporting();
    Object.assign(rows, {
      succeeded: run(org, 'run_ok', {
        status: 'succeeded',
        started_at: '2026-11-20T10:00:00Z',
        finished_at: '2026-11-20T10:05:00Z',
        freshness: freshness('2026-11-20T10:00:00.000Z'),
      }),
      partial: run(org, 'run_partial', {
        status: 'partial',
        started_at: '2026-11-22T10:00:00Z',
        finished_at: '2026-11-22T10:06:00Z',
        freshness: freshness('2026-11-22T10:00:00.000Z'),
      }),
      // A run that never started: it failed at once, its start equal to its finish, and reported no freshness.
      failed: run(org, 'run_failed', {
        status: 'failed',
        started_at: '2026-11-23T10:00:00Z',
        finished_at: '2026-11-23T10:00:00Z',
        error: 'connection disconnected',
      }),
      running: run(org, 'run_running', { status: 'running', started_at: '2026-11-24T10:00:00Z', progress: PROGRESS }),
      merged: run(org, 'run_merged', {
        status: 'running',
        started_at: '2026-11-24T10:00:00Z',
        progress: PROGRESS,
        merged_into_sync_run_id: 'run_running',
      }),
      otherOrg: run(other, 'run_other', {
        status: 'succeeded',
        started_at: '2026-11-30T10:00:00Z',
        finished_at: '2026-11-30T10:05:00Z',
        freshness: freshness('2026-11-30T10:00:00.000Z'),
      }),
    });
    await insert(harness.admin, 'sync_run', Object.values(rows));
  });

  afterAll(async () => {
    await harness?.close();
  });

  it('gives dataAsOf from the newest succeeded run only, and freshness from the newest finished run with it', async () => {
    const { body } = await get('/v1/summary').expect(200);
    expect(body.dataAsOf).toBe('2026-11-20T10:00:00.000Z');
    expect(body.freshness).toEqual(freshness('2026-11-22T10:00:00.000Z'));
    const none = (await get('/v1/summary', empty).expect(200)).body;
    expect(none).toMatchObject({ dataAsOf: null, freshness: [] });
    const ofOther = (await get('/v1/summary', other).expect(200)).body;
    expect(ofOther.dataAsOf).toBe('2026-11-30T10:00:00.000Z');
  });

  it('lists runs with progress, freshness and the run a merged one follows', async () => {
    const { body } = await get('/v1/sync-runs').expect(200);
    const byKey = Object.fromEntries(body.data.map((item: { externalKey: string }) => [item.externalKey, item]));
    expect(Object.keys(byKey).sort()).toEqual(['run_failed', 'run_merged', 'run_ok', 'run_partial', 'run_running']);
    expect(byKey.run_running).toMatchObject({ status: 'running', progress: PROGRESS, mergedIntoSyncRunId: null });
    expect(byKey.run_merged).toMatchObject({ status: 'running', mergedIntoSyncRunId: 'run_running' });
    expect(byKey.run_partial.freshness).toEqual(freshness('2026-11-22T10:00:00.000Z'));
    expect(byKey.run_failed).toMatchObject({ freshness: null, progress: null, finishedAt: '2026-11-23T10:00:00.000Z' });
    const csv = await get('/v1/sync-runs').set('Accept', 'text/csv').expect(200);
    const [header, ...lines] = csv.text.trim().split('\r\n');
    expect(header.split(',').slice(-3)).toEqual(['merged_into_sync_run_id', 'progress', 'freshness']);
    expect(lines).toHaveLength(5);
    expect(lines.find((line) => line.split(',')[1] === 'run_merged')).toContain(',[],run_running,');
  });

  it('details a run by our id or by the sync run id; a merged run with its own id and its target status', async () => {
    const byId = await get(`/v1/sync-runs/${rows.succeeded.id}`).expect(200);
    const byKey = await get('/v1/sync-runs/run_ok').expect(200);
    expect(byKey.body).toEqual(byId.body);
    expect(byId.body).toMatchObject({
      id: rows.succeeded.id,
      externalKey: 'run_ok',
      status: 'succeeded',
      startedAt: '2026-11-20T10:00:00.000Z',
      freshness: freshness('2026-11-20T10:00:00.000Z'),
      mergedIntoSyncRunId: null,
    });
    const mergedRun = (await get('/v1/sync-runs/run_merged').expect(200)).body;
    expect(mergedRun).toMatchObject({
      id: rows.merged.id,
      externalKey: 'run_merged',
      status: 'running',
      mergedIntoSyncRunId: 'run_running',
      progress: PROGRESS,
    });
  });

  it("answers 404 for another org's run or an unknown one, and 400 for what cannot be a run id", async () => {
    await get(`/v1/sync-runs/${rows.otherOrg.id}`).expect(404);
    await get('/v1/sync-runs/run_other').expect(404);
    await get(`/v1/sync-runs/${randomUUID()}`).expect(404);
    await get('/v1/sync-runs/run_nope').expect(404);
    expect((await get('/v1/sync-runs/run_other', other).expect(200)).body.id).toBe(rows.otherOrg.id);
    await get(`/v1/sync-runs/${'x'.repeat(201)}`).expect(400);
    await get('/v1/sync-runs/run%20ok').expect(400);
    await get('/v1/sync-runs/run%00ok').expect(400);
    await request(harness.app.getHttpServer()).get('/v1/sync-runs/run_ok').expect(401);
  });

  it('serves the run detail in its OpenAPI document', async () => {
    const { body } = await request(harness.app.getHttpServer()).get('/docs/openapi.json').expect(200);
    expect(body.paths['/v1/sync-runs/{id}']).toBeDefined();
  });
});
