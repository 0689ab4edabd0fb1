import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Client } from 'pg';

import { signUserJwt } from '@pp/auth';
import { configureApp } from '@pp/observability';
import { createTestDatabase } from '@pp/testing';

import { REPORTING_OPEN_API } from '../../../apps/reporting/src/reporting.openapi';

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

/** The reporting app in-process, reading its own test database through the read-only role, as in production. */
export async function startReporting(): Promise<ReportingHarness> {
  const database = await createTestDatabase('pp_reporting');
  const readerUrl = new URL(database.url);
  readerUrl.username = READER_ROLE;
  Object.assign(process.env, {
    DATABASE_URL: readerUrl.toString(),
    JWT_SECRET,
    MISSED_REWARD_AFTER_DAYS: '30',
    MISSED_REWARD_STUCK_DAYS: '60',
  });
  // @nestjs/config reads and validates the environment when the module is imported, so import it only now.
  const { ReportingModule } = await import('../../../apps/reporting/src/reporting.module');
  const moduleRef = await Test.createTestingModule({ imports: [ReportingModule] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  configureApp(app, { openApi: REPORTING_OPEN_API });
  await app.init();
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
