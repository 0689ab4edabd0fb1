import { randomUUID } from 'node:crypto';

import { INestApplication } from '@nestjs/common';
import amqplib from 'amqplib';

import { knex, Knex } from '@mikro-orm/knex';
import { EVENTS_EXCHANGE, MessageOf, QUEUES } from '@pp/contracts';
import { deadLetterQueueName, Headers } from '@pp/messaging';
import { createTestDatabase, createTestVhost, waitFor } from '@pp/testing';

import { AggregateRefresher } from '../../../apps/normalizer/src/aggregates/aggregate-refresher.service';

import { bootNormalizer, BrokerClient, NormalizerInfra } from './normalizer-harness';
import { BASE_TIME, customer, fetchedAt, payout, RawEvent, reward, toMessage, transaction } from './raw-events';

const DAY = 86_400_000;

const TENANT = 'org_e2e';

describe('normalizer against RabbitMQ and PostgreSQL', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let vhost: Awaited<ReturnType<typeof createTestVhost>>;
  let infra: NormalizerInfra;
  let db: Knex;
  let broker: BrokerClient;
  let app: INestApplication;
  const changed: MessageOf<'normalized.changed'>[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('pp_norm_e2e');
    vhost = await createTestVhost('pp_norm_e2e');
    infra = {
      amqpUrl: vhost.url,
      env: { DATABASE_URL: database.url, AMQP_URL: vhost.url, AGGREGATES_REFRESH_INTERVAL_MS: '200' },
    };
    db = knex({ client: 'pg', connection: database.url, pool: { min: 0, max: 2 } });
    broker = await BrokerClient.connect(vhost.url);
    const { queue } = await broker.channel.assertQueue('', { exclusive: true });
    await broker.channel.bindQueue(queue, EVENTS_EXCHANGE, 'normalized.changed');
    await broker.channel.consume(
      queue,
      (message: amqplib.ConsumeMessage | null) => {
        if (message) changed.push(JSON.parse(message.content.toString()));
      },
      { noAck: true },
    );
    app = await bootNormalizer(infra);
    await broker.waitForConsumer(QUEUES.normalizerRaw.queue);
  });

  afterAll(async () => {
    await app?.close();
    await broker?.close();
    await db?.destroy();
    await vhost?.drop();
    await database?.drop();
  });

  it('applies a batch, dead-letters the poison messages with their reasons, and announces the change', async () => {
    // The counter function stands in for the reporting service's aggregates: it proves the call happens.
    await db.raw(`create table if not exists public.refresh_calls (tenant_id text, at timestamptz default now());
      create or replace function domain.refresh_tenant_aggregates(p_tenant_id text) returns void language sql as
      $$ insert into public.refresh_calls (tenant_id) values (p_tenant_id) $$;`);
    const good: RawEvent[] = [];
    for (let i = 0; i < 40; i++) {
      good.push({
        stream: 'customers',
        key: `cus_${i}`,
        record: customer(`cus_${i}`, 0, {
          email: `owner${i}@shop.example`,
          name: `Shop ${i}`,
          hasPaid: i % 2 === 0,
          partnershipKey: 'part_A',
          company: 'co_A',
        }),
        at: fetchedAt(0, 0),
      });
      good.push({
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
    }
    const poisonMissingKey = toMessage(TENANT, {
      stream: 'rewards',
      key: 'rwrd_nokey',
      record: { amount: 5 },
      at: fetchedAt(0, 0),
    });
    const poisonWrongType = toMessage(TENANT, {
      stream: 'rewards',
      key: 'rwrd_bad',
      record: { key: 'rwrd_bad', amount: '12', currency: 'USD' },
      at: fetchedAt(0, 0),
    });
    const poisonNul = toMessage(TENANT, {
      stream: 'customers',
      key: 'cus_nul',
      record: customer('cus_nul', 0, {
        email: null,
        name: 'Bad\u0000Name',
        hasPaid: false,
        partnershipKey: 'part_A',
        company: 'co_A',
      }),
      at: fetchedAt(0, 0),
    });
    const messages = good.map((event) => toMessage(TENANT, event, 'corr-batch'));
    messages.splice(10, 0, poisonMissingKey);
    messages.splice(30, 0, poisonWrongType);
    messages.splice(50, 0, poisonNul);
    await broker.publish(messages);

    const dlq = deadLetterQueueName(QUEUES.normalizerRaw.queue);
    await waitFor(async () => (await broker.messageCount(dlq)) === 3, {
      timeoutMs: 20_000,
      description: 'three dead letters',
    });
    const deadLetters = await broker.drain(dlq);
    const reasons = Object.fromEntries(
      deadLetters.map((message) => [
        JSON.parse(message.content.toString()).messageId,
        String(message.properties.headers?.[Headers.deadLetterReason]),
      ]),
    );
    // Records are checked one by one, so the reason names the record of the page.
    expect(reasons[poisonMissingKey.messageId]).toBe("unmappable: record 0 ('rwrd_nokey'): rewards.key: missing");
    expect(reasons[poisonWrongType.messageId]).toBe(
      "unmappable: record 0 ('rwrd_bad'): rewards.amount: expected an integer, got string",
    );
    expect(reasons[poisonNul.messageId]).toMatch(
      /^rejected by the database \(22P05\): unsupported Unicode escape sequence/,
    );

    const counts = await waitFor(
      async () => {
        const { rows } = await db.raw(
          `select (select count(*) from domain.referral where tenant_id = ?)::int as referrals,
                  (select count(*) from domain.reward where tenant_id = ?)::int as rewards,
                  (select count(*) from domain.reward where tenant_id = ? and referral_id is not null)::int as linked,
                  (select count(*) from domain.contact where tenant_id = ?)::int as contacts`,
          [TENANT, TENANT, TENANT, TENANT],
        );
        return rows[0].rewards === 40 && rows[0].referrals === 40 ? rows[0] : undefined;
      },
      { description: 'the good records applied' },
    );
    expect(counts).toEqual({ referrals: 40, rewards: 40, linked: 40, contacts: 40 });
    await waitFor(
      () => changed.some((message) => message.tenantId === TENANT && message.payload.entityKinds.includes('reward')),
      {
        description: 'normalized.changed',
      },
    );
    const announced = changed.filter((message) => message.tenantId === TENANT);
    expect(announced.reduce((sum, message) => sum + message.payload.records, 0)).toBe(80);
    await app.get(AggregateRefresher).drain();
    const { rows: calls } = await db.raw('select tenant_id from public.refresh_calls');
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((call: { tenant_id: string }) => call.tenant_id === TENANT)).toBe(true);
  });

  it('records sync runs from sync.run.started and sync.run.finished, whatever their order', async () => {
    const syncRunId = randomUUID();
    const started = { connectionId: 'conn-1', syncRunId, mode: 'full', startedAt: '2024-11-01T10:00:00.000Z' };
    const finished = {
      ...started,
      status: 'partial',
      finishedAt: '2024-11-01T10:05:00.000Z',
      recordsFetched: 120,
      recordsEmitted: 80,
      error: 'deals: not available to partners',
      streams: [
        {
          stream: 'rewards',
          status: 'succeeded',
          fetched: 100,
          emitted: 70,
          unchanged: 30,
          removed: 0,
          apiCalls: 2,
          rateLimited: 0,
          errors: 0,
          error: null,
        },
        {
          stream: 'deals',
          status: 'unavailable',
          fetched: 0,
          emitted: 0,
          unchanged: 0,
          removed: 0,
          apiCalls: 1,
          rateLimited: 0,
          errors: 1,
          error: '403',
        },
      ],
      nextSyncAt: '2024-11-01T10:20:00.000Z',
    };
    const envelope = (routingKey: string, payload: unknown) => ({
      routingKey,
      body: {
        messageId: randomUUID(),
        routingKey,
        schemaVersion: 1,
        tenantId: TENANT,
        correlationId: 'corr-run',
        occurredAt: new Date().toISOString(),
        idempotencyKey: randomUUID(),
        payload,
      },
    });
    await broker.publish([envelope('sync.run.finished', finished)]);
    await broker.publish([envelope('sync.run.started', started)]);
    const run = await waitFor(
      async () => {
        const { rows } = await db.raw('select * from domain.sync_run where tenant_id = ? and external_key = ?', [
          TENANT,
          syncRunId,
        ]);
        return rows[0]?.status === 'partial' && rows[0];
      },
      { description: 'the sync run row' },
    );
    // started arrived last: it must not reset the finished run.
    await waitFor(async () => (await broker.messageCount('normalizer.sync-runs')) === 0, {
      description: 'sync runs consumed',
    });
    const { rows } = await db.raw('select status, records_fetched, streams from domain.sync_run where id = ?', [
      run.id,
    ]);
    expect(rows[0].status).toBe('partial');
    expect(rows[0].records_fetched).toBe(120);
    expect(rows[0].streams).toHaveLength(2);
    expect(rows[0].streams[1]).toEqual(expect.objectContaining({ stream: 'deals', status: 'unavailable' }));
  });

  it('keeps the earliest conversion time of every version seen, whichever version arrives first', async () => {
    const paying = (version: number) =>
      customer('cus_conv', version, {
        email: 'conv@example.test',
        name: 'Converted',
        hasPaid: true,
        partnershipKey: 'part_A',
        company: 'co_A',
      });
    const converted = async () => {
      const { rows } = await db.raw(
        `select converted_at, first_referred_at, source_updated_at from domain.referral
         where tenant_id = ? and external_key = 'cus_conv'`,
        [TENANT],
      );
      return rows[0] as { converted_at: Date | null; first_referred_at: Date; source_updated_at: Date } | undefined;
    };
    await broker.publish([
      toMessage(TENANT, { stream: 'customers', key: 'cus_conv', record: paying(3), at: fetchedAt(3, 0) }),
    ]);
    await waitFor(async () => (await converted())?.converted_at?.getTime() === BASE_TIME + 3 * DAY, {
      description: 'the first conversion time',
    });

    // An older version (not written: the stored one is newer) still lowers it; a newer one never raises it.
    await broker.publish([
      toMessage(TENANT, { stream: 'customers', key: 'cus_conv', record: paying(1), at: fetchedAt(1, 0) }),
      toMessage(TENANT, { stream: 'customers', key: 'cus_conv', record: paying(5), at: fetchedAt(5, 0) }),
    ]);
    const final = await waitFor(
      async () => {
        const row = await converted();
        return row?.source_updated_at.getTime() === BASE_TIME + 5 * DAY &&
          row.converted_at?.getTime() === BASE_TIME + DAY
          ? row
          : undefined;
      },
      { description: 'the newest version with the earliest conversion time' },
    );
    expect(final.first_referred_at.getTime()).toBe(BASE_TIME);
  });

  it('applies a removal as a flag and keeps the row; a payout arriving late links its rewards', async () => {
    const events: RawEvent[] = [
      {
        stream: 'rewards',
        key: 'rwrd_paid',
        record: reward('rwrd_paid', 1, {
          customerKey: 'cus_0',
          transactionKey: 'tran_late',
          payoutId: 4242,
          status: 'paid',
          paymentStatus: 'withdrawn',
          amount: 700,
          partnershipKey: 'part_A',
          company: 'co_A',
        }),
        at: fetchedAt(1, 0),
      },
      {
        stream: 'transactions',
        key: 'tran_late',
        record: transaction('tran_late', 0, 'cus_0', 3500, 'USD', false),
        at: fetchedAt(0, 0),
      },
      { stream: 'transactions', key: 'tran_late', record: null, at: fetchedAt(2, 0) },
    ];
    await broker.publish(events.map((event) => toMessage(TENANT, event)));
    await waitFor(
      async () => {
        const { rows } = await db.raw(
          "select removed_upstream_at from domain.billing_record where tenant_id = ? and external_key = 'tran_late'",
          [TENANT],
        );
        return rows[0]?.removed_upstream_at;
      },
      { description: 'the removal flag' },
    );
    await broker.publish([
      toMessage(TENANT, {
        stream: 'payouts',
        key: 'pay_late',
        record: payout('pay_late', 4242, 0, 'successful'),
        at: fetchedAt(3, 0),
      }),
    ]);
    const linked = await waitFor(
      async () => {
        const { rows } = await db.raw(
          `select r.payout_id = p.id and r.billing_record_id = b.id as linked from domain.reward r
         join domain.payout p on p.tenant_id = r.tenant_id and p.external_key = 'pay_late'
         join domain.billing_record b on b.tenant_id = r.tenant_id and b.external_key = 'tran_late'
         where r.tenant_id = ? and r.external_key = 'rwrd_paid'`,
          [TENANT],
        );
        return rows[0]?.linked;
      },
      { description: 'the reward linked to its payout' },
    );
    expect(linked).toBe(true);
  });
});
