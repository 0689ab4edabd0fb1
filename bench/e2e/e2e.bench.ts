import { cpus, totalmem } from 'node:os';

import { DEVELOPMENT_JWT_SECRET } from '@pp/config';
import { createScriptLogger } from '@pp/observability';
import { migrateAll } from '@pp/persistence';
import { createTestDatabase, createTestVhost, ServiceProcess, startSystem } from '@pp/testing';

import { allMigrationSets } from '../../scripts/migration-sets';
import {
  adminJwt,
  CredentialsApi,
  expectedFigures,
  fetchSummary,
  reportedFigures,
  SandboxAdmin,
  waitForReportsToMatch,
} from '../../test/e2e/support/pipeline';

/**
 * `npm run bench:e2e`: connect to fully reported. One sandbox agency of BENCH_E2E_RECORDS records (default
 * 510,000: the ground truth leaves out records that vanished before "now", so a little over 500,000 are served),
 * the whole product as separate processes (compiled: run `npm run build` first), timed from the credentials PUT
 * until reporting's summary equals the sandbox's ground truth. The last line is `BENCH_E2E_RESULT <json>` for
 * scripts/bench-all.mjs.
 */
const RECORDS = Number(process.env.BENCH_E2E_RECORDS ?? 510_000);
const REQUESTS_PER_MINUTE = process.env.BENCH_E2E_REQUESTS_PER_MINUTE;
const TARGET_SECONDS = 300;
const TOKEN = `sandbox_bench_e2e_${RECORDS}`;
const ORG = 'org-bench-e2e';
const logger = createScriptLogger('bench-e2e');

async function main(): Promise<void> {
  const database = await createTestDatabase('pp_bench_e2e');
  const vhost = await createTestVhost('pp_bench_e2e');
  let sandbox: ServiceProcess | undefined;
  let system: Awaited<ReturnType<typeof startSystem>> | undefined;
  try {
    await migrateAll(database.url, allMigrationSets);
    sandbox = await ServiceProcess.start({
      app: 'partnerstack-sandbox',
      env: { SANDBOX_DEALS_AND_LEADS: 'always', LOG_LEVEL: 'warn' },
    });
    const admin = new SandboxAdmin(`${sandbox.url}/admin`, TOKEN);
    await admin.configure({ records: RECORDS });
    const truth = await admin.groundTruth();
    const served = Object.values(truth.streams).reduce(
      (total, stream) => total + (stream.includingArchived ?? stream.count),
      0,
    );
    logger.info({ records: RECORDS, served }, 'Agency generated');

    system = await startSystem({
      databaseUrl: database.url,
      amqpUrl: vhost.url,
      partnerstackApiUrl: `${sandbox.url}/api/v2`,
      env: { LOG_LEVEL: 'warn' },
      // The deployment-wide budget follows the per-token pace here: one agency is the whole deployment.
      envByApp: REQUESTS_PER_MINUTE
        ? {
            sync: {
              PARTNERSTACK_REQUESTS_PER_MINUTE: REQUESTS_PER_MINUTE,
              PARTNERSTACK_GLOBAL_REQUESTS_PER_MINUTE: REQUESTS_PER_MINUTE,
            },
          }
        : {},
      readyTimeoutMs: 60_000,
    });
    const jwt = adminJwt(ORG, DEVELOPMENT_JWT_SECRET);
    const credentials = new CredentialsApi(system.credentials.url, jwt);
    const reportingUrl = system.reporting.url;

    const started = Date.now();
    const connected = await credentials.connect(TOKEN);
    if (connected.status !== 200) throw new Error(`PUT token: ${connected.status}`);
    let syncSeconds = NaN;
    const progress = setInterval(() => {
      void fetchSummary(reportingUrl, jwt)
        .then((summary) => {
          const figures = reportedFigures(summary);
          logger.info(
            {
              seconds: Math.round((Date.now() - started) / 1000),
              referrals: figures.referrals,
              rewards: figures.rewards,
            },
            'progress',
          );
        })
        .catch(() => undefined);
    }, 15_000);
    const sync = credentials.waitForFinishedSync({ timeoutMs: 30 * 60_000 }).then((last) => {
      syncSeconds = (Date.now() - started) / 1000;
      logger.info({ seconds: syncSeconds, status: last.status, recordsFetched: last.recordsFetched }, 'Sync finished');
      return last;
    });
    await waitForReportsToMatch(reportingUrl, jwt, truth, { timeoutMs: 30 * 60_000, intervalMs: 2_000 });
    const reportedSeconds = (Date.now() - started) / 1000;
    clearInterval(progress);
    const last = await sync;
    const result = {
      records: served,
      generated: truth.agency.records,
      syncStatus: last.status,
      syncSeconds: Math.round(syncSeconds * 10) / 10,
      reportedSeconds: Math.round(reportedSeconds * 10) / 10,
      recordsPerSecond: Math.round(served / reportedSeconds),
      targetSeconds: TARGET_SECONDS,
      metTarget: reportedSeconds < TARGET_SECONDS,
      requestsPerMinute: REQUESTS_PER_MINUTE ? Number(REQUESTS_PER_MINUTE) : 600,
      rewards: expectedFigures(truth).rewards,
      cpus: cpus().length,
      memoryGb: Math.round(totalmem() / 2 ** 30),
    };
    logger.info(result, 'Connect to fully reported');
    console.log(`BENCH_E2E_RESULT ${JSON.stringify(result)}`);
  } finally {
    await system?.stop();
    await sandbox?.stop();
    await database.drop();
    await vhost.drop();
  }
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, 'End-to-end benchmark failed');
  process.exit(1);
});
