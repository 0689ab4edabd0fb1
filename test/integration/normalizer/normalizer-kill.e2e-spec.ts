import { ChildProcess } from 'node:child_process';

import { knex, Knex } from '@mikro-orm/knex';
import { QUEUES } from '@pp/contracts';
import { deadLetterQueueName } from '@pp/messaging';
import { createTestDatabase, createTestVhost, waitFor } from '@pp/testing';

import { mapMessage } from '../../../apps/normalizer/src/normalizing/normalizer.service';
import { DomainBatchWriter } from '../../../apps/normalizer/src/writing/domain-batch-writer';

import { BrokerClient, killHard, spawnNormalizer, stopGracefully } from './normalizer-harness';
import { customer, fetchedAt, RawEvent, reward, toMessage, transaction } from './raw-events';

const TENANT = 'org_killed';
const REFERENCE = 'org_reference';
const CUSTOMERS = 2_500;

/** Per customer: two customer versions, a transaction, a reward in three versions; every 10th reward removed. */
function workload(): RawEvent[] {
  const events: RawEvent[] = [];
  for (let i = 0; i < CUSTOMERS; i++) {
    const opts = {
      email: `buyer${i % 1_000}@shop.example`,
      name: `Shop ${i}`,
      partnershipKey: 'part_A',
      company: 'co_A',
    };
    events.push({
      stream: 'rewards',
      key: `rwrd_${i}`,
      record: reward(`rwrd_${i}`, 0, {
        customerKey: `cus_${i}`,
        transactionKey: `tran_${i}`,
        payoutId: null,
        status: 'pending',
        paymentStatus: null,
        amount: 100 + i,
        partnershipKey: 'part_A',
        company: 'co_A',
      }),
      at: fetchedAt(0, 0),
    });
    events.push({
      stream: 'customers',
      key: `cus_${i}`,
      record: customer(`cus_${i}`, 0, { ...opts, hasPaid: false }),
      at: fetchedAt(0, 0),
    });
    events.push({
      stream: 'transactions',
      key: `tran_${i}`,
      record: transaction(`tran_${i}`, 0, `cus_${i}`, 4_900, 'USD', false),
      at: fetchedAt(0, 0),
    });
    events.push({
      stream: 'rewards',
      key: `rwrd_${i}`,
      record: reward(`rwrd_${i}`, 1, {
        customerKey: `cus_${i}`,
        transactionKey: `tran_${i}`,
        payoutId: null,
        status: 'approved',
        paymentStatus: 'available',
        amount: 100 + i,
        partnershipKey: 'part_A',
        company: 'co_A',
      }),
      at: fetchedAt(1, 0),
    });
    events.push({
      stream: 'customers',
      key: `cus_${i}`,
      record: customer(`cus_${i}`, 1, { ...opts, hasPaid: true }),
      at: fetchedAt(1, 0),
    });
    events.push({
      stream: 'rewards',
      key: `rwrd_${i}`,
      record: reward(`rwrd_${i}`, 2, {
        customerKey: `cus_${i}`,
        transactionKey: `tran_${i}`,
        payoutId: null,
        status: 'paid',
        paymentStatus: 'withdrawn',
        amount: 100 + i,
        partnershipKey: 'part_A',
        company: 'co_A',
      }),
      at: fetchedAt(2, 0),
    });
    if (i % 10 === 0) events.push({ stream: 'rewards', key: `rwrd_${i}`, record: null, at: fetchedAt(3, 0) });
  }
  return events;
}

const LINKS = [
  'program_id',
  'partnership_id',
  'account_id',
  'contact_id',
  'referral_id',
  'billing_record_id',
  'payout_id',
];

/** The tenant's rows without what differs between tenants (ids) or runs (our timestamps); link ids become booleans. */
async function businessSnapshot(db: Knex, tenantId: string): Promise<Record<string, unknown[]>> {
  const snapshot: Record<string, unknown[]> = {};
  for (const table of ['contact', 'account', 'referral', 'billing_record', 'reward', 'status_history']) {
    const strip = ['id', 'tenant_id', 'entity_id', 'created_at', 'updated_at', ...LINKS]
      .map((column) => `- '${column}'`)
      .join(' ');
    const links = LINKS.map((column) => `'${column}', to_jsonb(t) ->> '${column}' is not null`).join(', ');
    const { rows } = await db.raw(
      `select row from (
         select (to_jsonb(t) ${strip}) || jsonb_build_object(${links}) as row from domain.${table} t where tenant_id = ?
       ) s order by row::text`,
      [tenantId],
    );
    snapshot[table] = rows.map((row: { row: unknown }) => row.row);
  }
  return snapshot;
}

describe('normalizer: killed mid-stream and restarted', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let vhost: Awaited<ReturnType<typeof createTestVhost>>;
  let db: Knex;
  let broker: BrokerClient;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    database = await createTestDatabase('pp_norm_kill');
    vhost = await createTestVhost('pp_norm_kill');
    db = knex({ client: 'pg', connection: database.url, pool: { min: 0, max: 2 } });
    broker = await BrokerClient.connect(vhost.url);
  });

  afterAll(async () => {
    if (child) await killHard(child);
    await broker?.close();
    await db?.destroy();
    await vhost?.drop();
    await database?.drop();
  });

  it('ends with every event applied exactly once in effect', async () => {
    const events = workload();
    const infra = { amqpUrl: vhost.url, env: { DATABASE_URL: database.url, AMQP_URL: vhost.url } };
    await broker.declareRawQueue();
    await broker.publish(events.map((event) => toMessage(TENANT, event, 'corr-kill')));

    child = await spawnNormalizer(infra);
    const partial = await waitFor(
      async () => {
        const { rows } = await db.raw('select count(*)::int as n from domain.reward where tenant_id = ?', [TENANT]);
        return rows[0].n >= 300 ? rows[0].n : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 20, description: 'the first batches committed' },
    );
    await killHard(child);
    const remaining = await broker.messageCount(QUEUES.normalizerRaw.queue);
    // The kill must have interrupted the stream for the test to mean anything.
    expect(remaining).toBeGreaterThan(0);
    expect(partial).toBeLessThan(CUSTOMERS + 1);

    child = await spawnNormalizer(infra);
    await waitFor(async () => (await broker.messageCount(QUEUES.normalizerRaw.queue)) === 0, {
      timeoutMs: 120_000,
      intervalMs: 200,
      description: 'the queue drained after the restart',
    });
    await waitFor(
      async () => {
        const { rows } = await db.raw(
          "select count(*)::int as n from domain.status_observation where tenant_id = ? and field = 'payment_status'",
          [TENANT],
        );
        return rows[0].n === CUSTOMERS * 3;
      },
      { timeoutMs: 30_000, description: 'the last batch committed' },
    );
    await stopGracefully(child);
    child = undefined;
    expect(await broker.messageCount(deadLetterQueueName(QUEUES.normalizerRaw.queue))).toBe(0);

    // The same events applied once, in order, without interruption: the state the killed run must reach.
    const writer = new DomainBatchWriter();
    await db.transaction((trx) =>
      writer.apply(
        trx,
        events.flatMap((event) => mapMessage(toMessage(REFERENCE, event)).mapped),
      ),
    );
    const expected = await businessSnapshot(db, REFERENCE);
    const actual = await businessSnapshot(db, TENANT);
    expect(actual.reward).toHaveLength(CUSTOMERS);
    expect(actual.contact).toHaveLength(1_000);
    expect(actual.status_history).toHaveLength(expected.status_history.length);
    for (const table of Object.keys(expected)) {
      expect(actual[table]).toHaveLength(expected[table].length);
      // Compared row by row, so a difference is reported as one row rather than a diff of thousands.
      const firstDifference = expected[table].findIndex(
        (row, index) => JSON.stringify(row) !== JSON.stringify(actual[table][index]),
      );
      expect({ table, row: actual[table][firstDifference] }).toEqual({ table, row: expected[table][firstDifference] });
    }
  });
});
