import { AddressInfo } from 'node:net';

import { Client } from 'pg';
import request from 'supertest';

import { uniqueName, waitFor } from '@pp/testing';

import { Download, exportBackends, openDownload, openReportingTransactions, readRest } from './csv-download';
import { ReportingHarness, startReporting } from './reporting-app';

/** Far more CSV than socket buffers hold, so a paused client keeps its export inside the cursor. */
const ROWS = 100_000;

async function seedTransactions(admin: Client, org: string, rows = ROWS): Promise<void> {
  await admin.query(
    `insert into domain.billing_record (id, tenant_id, external_key, amount, currency, source_created_at, last_fetched_at, raw)
     select gen_random_uuid(), $1, 'tran_' || g, g, 'USD', now() - g * interval '1 minute', now(), '{}'
       from generate_series(1, $2::int) g`,
    [org, rows],
  );
}

/** The reporting app listening on a port, for downloads read at the test's own pace. */
async function listening(env: Record<string, string>) {
  const harness = await startReporting(env);
  await harness.app.listen(0, '127.0.0.1');
  const port = (harness.app.getHttpServer().address() as AddressInfo).port;
  const exportOf = (org: string) =>
    openDownload(`http://127.0.0.1:${port}/v1/transactions`, {
      authorization: `Bearer ${harness.tokenFor(org)}`,
      accept: 'text/csv',
    });
  const page = (org: string) =>
    request(harness.app.getHttpServer())
      .get('/v1/transactions')
      .query({ limit: 1 })
      .set('Authorization', `Bearer ${harness.tokenFor(org)}`);
  return { harness, exportOf, page };
}

function expectRetryLater(status: number, headers: Record<string, unknown>, body: Record<string, unknown>): number {
  expect(headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(body).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
  const retryAfter = Number(headers['retry-after']);
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(body.retryAfterSeconds).toBe(retryAfter);
  return retryAfter;
}

async function expectRefusedDownload(download: Download, status: number): Promise<void> {
  expect(download.response.statusCode).toBe(status);
  const { outcome, body } = await readRest(download);
  expect(outcome).toBe('complete');
  expectRetryLater(status, download.response.headers, JSON.parse(body) as Record<string, unknown>);
}

describe('reporting limits per tenant', () => {
  describe('CSV export concurrency (REPORTING_EXPORTS_PER_TENANT=2)', () => {
    let app: Awaited<ReturnType<typeof listening>>;
    const busy = uniqueName('org_busy');
    const other = uniqueName('org_other');
    const held: Download[] = [];

    beforeAll(async () => {
      app = await listening({ REPORTING_EXPORTS_PER_TENANT: '2' });
      await seedTransactions(app.harness.admin, busy);
      await seedTransactions(app.harness.admin, other, 10);
    });

    afterAll(async () => {
      for (const download of held) download.abandon();
      await app?.harness.close();
    });

    it("refuses an org's exports beyond its limit with 429, while another org is served", async () => {
      const downloads = await Promise.all(Array.from({ length: 20 }, () => app.exportOf(busy)));
      const running = downloads.filter((download) => download.response.statusCode === 200);
      held.push(...running);
      expect(running).toHaveLength(2);
      for (const download of downloads.filter((candidate) => !running.includes(candidate)))
        await expectRefusedDownload(download, 429);
      await Promise.all(running.map((download) => download.firstChunk));

      const otherExport = await readRest(await app.exportOf(other));
      expect(otherExport.outcome).toBe('complete');
      expect(otherExport.body.trim().split('\r\n')).toHaveLength(11);
      const startedAt = Date.now();
      const otherPage = await app.page(other).expect(200);
      // Had the busy org taken the pool, this would wait out the 5 s acquire timeout and answer 503.
      expect(Date.now() - startedAt).toBeLessThan(2_000);
      expect(otherPage.body.data).toHaveLength(1);
    });

    it('gives the slot back once a download has ended', async () => {
      const finished = await readRest(held[0]);
      expect(finished.outcome).toBe('complete');
      expect(finished.body.trim().split('\r\n')).toHaveLength(ROWS + 1);
      // The slot is given back when the server's stream closes, a moment after the client has the last byte.
      const next = await waitFor(
        async () => {
          const download = await app.exportOf(busy);
          if (download.response.statusCode === 200) return download;
          await readRest(download);
          return undefined;
        },
        { timeoutMs: 10_000, description: 'an export slot to come free' },
      );
      held.push(next);
      expect(next.response.headers['content-type']).toMatch(/^text\/csv/);
      // Both slots are taken again.
      await expectRefusedDownload(await app.exportOf(busy), 429);
    });
  });

  describe('export deadline (REPORTING_EXPORT_MAX_SECONDS=1)', () => {
    let app: Awaited<ReturnType<typeof listening>>;
    const org = uniqueName('org_slow');

    beforeAll(async () => {
      app = await listening({ REPORTING_EXPORT_MAX_SECONDS: '1' });
      await seedTransactions(app.harness.admin, org);
    });

    afterAll(async () => {
      await app?.harness.close();
    });

    it('destroys the connection of an export still streaming at its deadline and ends its transaction', async () => {
      const startedAt = Date.now();
      const download = await app.exportOf(org);
      // Headers come once the first batch is read: from here the export holds its cursor's transaction.
      expect(download.response.statusCode).toBe(200);
      // The client reads nothing more, so only the server's deadline can end that transaction.
      await waitFor(async () => (await openReportingTransactions(app.harness.admin)) === 0, {
        timeoutMs: 10_000,
        description: 'the deadline to close the cursor',
      });
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1_000);
      // What the sockets still buffer arrives, then the break: read whole, the file would have ended cleanly.
      const { outcome, body } = await readRest(download);
      expect(outcome).toBe('aborted');
      expect(body.trim().split('\r\n').length).toBeLessThan(ROWS + 1);
      // The cut export gave its slot back: the org can run its two exports again.
      const again = await Promise.all([app.exportOf(org), app.exportOf(org)]);
      expect(again.map((next) => next.response.statusCode)).toEqual([200, 200]);
      for (const next of again) next.abandon();
      await app.page(org).expect(200);
    });
  });

  describe('request rate (REPORTING_REQUESTS_PER_MINUTE=3)', () => {
    let harness: ReportingHarness;
    const chatty = uniqueName('org_chatty');
    const quiet = uniqueName('org_quiet');
    const list = (org: string) =>
      request(harness.app.getHttpServer())
        .get('/v1/transactions')
        .query({ limit: 1 })
        .set('Authorization', `Bearer ${harness.tokenFor(org)}`);

    beforeAll(async () => {
      harness = await startReporting({ REPORTING_REQUESTS_PER_MINUTE: '3' });
    });

    afterAll(async () => {
      await harness?.close();
    });

    it("answers 429 with Retry-After once an org's minute of requests is used, for that org only", async () => {
      for (let attempt = 0; attempt < 3; attempt += 1) await list(chatty).expect(200);
      const refused = await list(chatty).expect(429);
      // One request more every 20 s.
      expect(expectRetryLater(429, refused.headers, refused.body as Record<string, unknown>)).toBeLessThanOrEqual(20);
      await list(quiet).expect(200);
      // Probes carry no org, so the limit never refuses them.
      await request(harness.app.getHttpServer()).get('/health/live').expect(200);
    });
  });

  describe('pool acquire timeout (REPORTING_DB_POOL_MAX=1, REPORTING_DB_ACQUIRE_TIMEOUT_MS=200)', () => {
    let app: Awaited<ReturnType<typeof listening>>;
    const holder = uniqueName('org_holder');
    const waiting = uniqueName('org_waiting');

    beforeAll(async () => {
      app = await listening({ REPORTING_DB_POOL_MAX: '1', REPORTING_DB_ACQUIRE_TIMEOUT_MS: '200' });
      await seedTransactions(app.harness.admin, holder);
      await seedTransactions(app.harness.admin, waiting, 10);
    });

    afterAll(async () => {
      await app?.harness.close();
    });

    it('answers 503 with Retry-After, promptly, while an export holds the only connection', async () => {
      const download = await app.exportOf(holder);
      expect(download.response.statusCode).toBe(200);
      await waitFor(async () => (await exportBackends(app.harness.admin)).length === 1, {
        timeoutMs: 10_000,
        description: "the export's backend",
      });

      const startedAt = Date.now();
      const busy = await app.page(waiting).expect(503);
      // knex's own default wait is 60 s; this answer came from the 200 ms setting.
      expect(Date.now() - startedAt).toBeLessThan(5_000);
      expect(expectRetryLater(503, busy.headers, busy.body as Record<string, unknown>)).toBe(5);
      // An export that cannot get a connection is an error status too, not a 200 cut after its header line.
      await expectRefusedDownload(await app.exportOf(waiting), 503);

      download.abandon();
      const page = await waitFor(
        async () => {
          const response = await app.page(waiting);
          return response.status === 200 ? response : undefined;
        },
        { timeoutMs: 10_000, description: 'the connection back in the pool' },
      );
      expect(page.body.data).toHaveLength(1);
    });
  });

  describe('idle-in-transaction timeout (REPORTING_IDLE_TRANSACTION_TIMEOUT_MS=2000)', () => {
    let app: Awaited<ReturnType<typeof listening>>;
    const org = uniqueName('org_stalled');

    beforeAll(async () => {
      app = await listening({ REPORTING_IDLE_TRANSACTION_TIMEOUT_MS: '2000' });
      await seedTransactions(app.harness.admin, org);
    });

    afterAll(async () => {
      await app?.harness.close();
    });

    it("has PostgreSQL end a stalled export's session by itself", async () => {
      const { rows } = await app.harness.admin.query<{ setting: string }>(
        `select setting from pg_settings where name = 'idle_in_transaction_session_timeout'`,
      );
      // Off for other sessions (the server default), so what ends the export below is the service's own setting.
      expect(rows[0].setting).toBe('0');
      const download = await app.exportOf(org);
      expect(download.response.statusCode).toBe(200);
      const [pid] = await waitFor(
        async () => {
          const pids = await exportBackends(app.harness.admin);
          return pids.length === 1 ? pids : undefined;
        },
        { timeoutMs: 10_000, description: "the export's backend" },
      );
      // Nothing here terminates it: the session's own idle_in_transaction_session_timeout must.
      await waitFor(
        async () => {
          const { rowCount } = await app.harness.admin.query('select 1 from pg_stat_activity where pid = $1', [pid]);
          return rowCount === 0;
        },
        { timeoutMs: 10_000, description: 'PostgreSQL to end the idle transaction' },
      );
      const { outcome, body } = await readRest(download);
      expect(outcome).toBe('aborted');
      expect(body.trim().split('\r\n').length).toBeLessThan(ROWS + 1);
      await app.page(org).expect(200);
    });
  });
});
