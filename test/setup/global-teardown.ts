import { dropDatabase } from '../../libs/testing/src/test-resources';

export default async function globalTeardown(): Promise<void> {
  if (process.env.TEST_DB_TEMPLATE) await dropDatabase(process.env.TEST_DB_TEMPLATE);
}
