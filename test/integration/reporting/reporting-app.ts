import { INestApplication } from '@nestjs/common';
import { Client } from 'pg';

import { signUserJwt } from '@pp/auth';
import { createTestDatabase } from '@pp/testing';

export const JWT_SECRET = 'reporting-suite-secret-0123456789abcdef';
export const READER_ROLE = 'pp_reporting_reader';

export interface ReportingHarness {
  app: INestApplication;
  /** The suite's database as postgres (fixtures are written with it). */
  admin: Client;
  readerUrl: string;
  tokenFor: (org: string, roles?: string[]) => string;
  close: () => Promise<void>;
}

async function createApp(): Promise<INestApplication> {
  // @nestjs/config reads and validates the environment when the module is imported, so import it only now.
  const { Test } = await import('@nestjs/testing');
  const { configureApp } = await import('@pp/observability');
  const { REPORTING_OPEN_API } = await import('../../../apps/reporting/src/reporting.openapi');
  const { ReportingModule } = await import('../../../apps/reporting/src/reporting.module');
  const moduleRef = await Test.createTestingModule({ imports: [ReportingModule] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  configureApp(app, { openApi: REPORTING_OPEN_API });
  await app.init();
  return app;
}

/**
 * The reporting app in-process, reading its own test database through the read-only role, as in production.
 * `env` overrides its configuration; an app given one is built from a module registry of its own (the framework
 * included, so its exceptions and filters still know each other), since the configuration is read once per import.
 */
export async function startReporting(env: Record<string, string> = {}): Promise<ReportingHarness> {
  const database = await createTestDatabase('pp_reporting');
  const readerUrl = new URL(database.url);
  readerUrl.username = READER_ROLE;
  const overridden = Object.keys(env).map((name) => [name, process.env[name]] as const);
  Object.assign(process.env, {
    DATABASE_URL: readerUrl.toString(),
    JWT_SECRET,
    MISSED_REWARD_AFTER_DAYS: '30',
    MISSED_REWARD_STUCK_DAYS: '60',
    // Suites that send hundreds of requests as one org must not be answered 429, which is a 4xx problem too and
    // would let a bad-input case pass untested; the limits suite sets its own.
    REPORTING_REQUESTS_PER_MINUTE: '1000000',
    ...env,
  });
  let app: INestApplication;
  try {
    if (overridden.length === 0) app = await createApp();
    else {
      let isolated: INestApplication | undefined;
      await jest.isolateModulesAsync(async () => {
        isolated = await createApp();
      });
      app = isolated as INestApplication;
    }
  } finally {
    // The next app of the same file must not inherit this one's overrides.
    for (const [name, previous] of overridden)
      if (previous === undefined) delete process.env[name];
      else process.env[name] = previous;
  }
  const admin = new Client({ connectionString: database.url });
  await admin.connect();
  return {
    app,
    admin,
    readerUrl: readerUrl.toString(),
    tokenFor: (org, roles = []) => signUserJwt({ sub: `user-of-${org}`, org, roles }, JWT_SECRET),
    close: async () => {
      await admin.end();
      await app.close();
      await database.drop();
    },
  };
}
