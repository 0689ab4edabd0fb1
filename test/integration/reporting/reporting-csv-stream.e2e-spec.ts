import { request as httpRequest } from 'node:http';
import { AddressInfo } from 'node:net';

import request from 'supertest';

import { uniqueName, waitFor } from '@pp/testing';

import { exportBackends, openDownload, openReportingTransactions, readRest } from './csv-download';
import { ReportingHarness, startReporting } from './reporting-app';

const ROWS = 30_000;

describe('CSV exports stream from a database cursor', () => {
  let harness: ReportingHarness;
  let baseUrl: string;
  const org = uniqueName('org_csv');
  const token = () => harness.tokenFor(org);

  beforeAll(async () => {
    // More exports at once than the pool has connections, so a leaked connection shows as a 503, not a 429.
    harness = await startReporting({ REPORTING_EXPORTS_PER_TENANT: '50' });
    await harness.admin.query(
      `insert into domain.billing_record (id, tenant_id, external_key, amount, currency, source_created_at, last_fetched_at, raw)
       select gen_random_uuid(), $1, 'tran_' || g, g, 'USD', now() - g * interval '1 minute', now(), '{}'
         from generate_series(1, $2::int) g`,
      [org, ROWS],
    );
    await harness.app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(harness.app.getHttpServer().address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await harness?.close();
  });

  it('sends every row of a large list, in order', async () => {
    const response = await request(harness.app.getHttpServer())
      .get('/v1/transactions')
      .set('Authorization', `Bearer ${token()}`)
      .set('Accept', 'text/csv')
      .expect(200);
    const lines = response.text.trim().split('\r\n');
    expect(lines).toHaveLength(ROWS + 1);
    expect(lines[1].split(',')[1]).toBe('tran_1');
    expect(lines[ROWS].split(',')[1]).toBe(`tran_${ROWS}`);
  });

  it('frees the connection and ends the transaction when the client hangs up mid-download', async () => {
    // More abandoned downloads than the pool has connections: a leak would leave a later one without a connection.
    for (let attempt = 0; attempt < 25; attempt += 1) {
      await new Promise<void>((resolve, reject) => {
        const req = httpRequest(`${baseUrl}/v1/transactions`, {
          headers: { authorization: `Bearer ${token()}`, accept: 'text/csv' },
        });
        req.on('response', (res) => {
          if (res.statusCode !== 200) reject(new Error(`download ${attempt} answered ${res.statusCode}`));
          res.once('data', () => {
            res.destroy();
            req.destroy();
            resolve();
          });
        });
        req.on('error', (error) =>
          (error as NodeJS.ErrnoException).code === 'ECONNRESET' ? resolve() : reject(error),
        );
        req.end();
      });
    }
    await waitFor(
      async () => {
        const { rows } = await harness.admin.query<{ open: string }>(
          `select count(*) as open from pg_stat_activity
            where application_name = 'pp-reporting' and datname = current_database() and state like 'idle in transaction%'`,
        );
        return Number(rows[0].open) === 0;
      },
      { timeoutMs: 10_000, description: 'abandoned exports to end their transactions' },
    );
    const page = await request(harness.app.getHttpServer())
      .get('/v1/transactions')
      .query({ limit: 1 })
      .set('Authorization', `Bearer ${token()}`)
      .expect(200);
    expect(page.body.data[0].externalKey).toBe('tran_1');
  });

  it('breaks the connection, never ends a clean download, when the database fails midway', async () => {
    const download = await openDownload(`${baseUrl}/v1/transactions`, {
      authorization: `Bearer ${token()}`,
      accept: 'text/csv',
    });
    expect(download.response.statusCode).toBe(200);
    await download.firstChunk;
    // The paused client holds the export inside its cursor; killing that backend is a database failure midway.
    const [pid] = await waitFor(
      async () => {
        const pids = await exportBackends(harness.admin);
        return pids.length === 1 ? pids : undefined;
      },
      { timeoutMs: 10_000, description: "the export's backend" },
    );
    await harness.admin.query('select pg_terminate_backend($1)', [pid]);
    const { outcome, body } = await readRest(download);
    expect(outcome).toBe('aborted');
    expect(body.trim().split('\r\n').length).toBeLessThan(ROWS + 1);
    await waitFor(async () => (await openReportingTransactions(harness.admin)) === 0, {
      timeoutMs: 10_000,
      description: 'no reporting transaction left open',
    });
    await request(harness.app.getHttpServer())
      .get('/v1/transactions')
      .query({ limit: 1 })
      .set('Authorization', `Bearer ${token()}`)
      .expect(200);
  });
});
