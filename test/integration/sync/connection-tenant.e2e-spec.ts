import { randomUUID } from 'node:crypto';

import { INestApplication } from '@nestjs/common';
import amqp from 'amqplib';

import { QUEUES } from '@pp/contracts';
import { deadLetterQueueName, Headers } from '@pp/messaging';
import { waitFor } from '@pp/testing';

import { bootSync, closeApp, connectOrg, createSyncInfra, publish, SyncInfra, waitForQueues } from './sync-harness';

interface DeadLetter {
  tenantId: string;
  connectionId: string;
  routingKey: string;
  reason: string;
}

/**
 * A connection belongs to one tenant for good: a connection event naming another tenant (a buggy or compromised
 * publisher) must not move the connection, and with it every sync of its data, to that tenant.
 */
describe('sync: a connection event cannot change the tenant of a connection', () => {
  let infra: SyncInfra;
  let scheduler: INestApplication;
  let broker: amqp.ChannelModel;
  let channel: amqp.Channel;
  const deadLetters: DeadLetter[] = [];

  beforeAll(async () => {
    // The scheduler never calls PartnerStack; its jobs wait in sync.jobs for workers this suite does not start.
    infra = await createSyncInfra('http://127.0.0.1:1/api/v2', { SYNC_SCHEDULER_TICK_SECONDS: '600' });
    scheduler = await bootSync(infra, 'scheduler');
    await waitForQueues(infra, [QUEUES.syncScheduler.queue, deadLetterQueueName(QUEUES.syncScheduler.queue)]);
    broker = await amqp.connect(infra.amqpUrl);
    channel = await broker.createChannel();
  });

  afterAll(async () => {
    await broker?.close().catch(() => undefined);
    await closeApp(scheduler);
    await infra?.drop();
  });

  const connectionRow = async (id: string) =>
    (await infra.db.query(`select tenant_id, status, status_changed_at from sync.connection where id = $1`, [id]))
      .rows[0] as { tenant_id: string; status: string; status_changed_at: Date } | undefined;

  const deadLetterFor = (connectionId: string, routingKey: string) =>
    waitFor(
      async () => {
        for (
          let message = await channel.get(deadLetterQueueName(QUEUES.syncScheduler.queue), { noAck: true });
          message;
        ) {
          const body = JSON.parse(message.content.toString('utf8')) as {
            tenantId: string;
            payload: { connectionId: string };
          };
          deadLetters.push({
            tenantId: body.tenantId,
            connectionId: body.payload.connectionId,
            routingKey: String(message.properties.headers?.[Headers.originalRoutingKey]),
            reason: String(message.properties.headers?.[Headers.deadLetterReason]),
          });
          message = await channel.get(deadLetterQueueName(QUEUES.syncScheduler.queue), { noAck: true });
        }
        return deadLetters.find((letter) => letter.routingKey === routingKey && letter.connectionId === connectionId);
      },
      { timeoutMs: 30_000, description: `${routingKey} of ${connectionId} dead-lettered` },
    );

  it('dead-letters, with the reason, connected, status-changed and disconnected events naming another tenant', async () => {
    const owner = `org_${randomUUID()}`;
    const intruder = `org_${randomUUID()}`;
    const connectionId = await connectOrg(scheduler, owner);
    await waitFor(async () => (await connectionRow(connectionId))?.tenant_id === owner || undefined, {
      description: `connection ${connectionId} known to sync`,
    });
    const before = (await connectionRow(connectionId))!;
    const later = new Date(Date.now() + 60_000).toISOString();

    await publish(
      scheduler,
      'credentials.connection.connected',
      { connectionId, actorUserId: 'intruder', tokenHint: 'evil', connectedAt: later },
      intruder,
    );
    await publish(
      scheduler,
      'credentials.connection.status-changed',
      { connectionId, actorUserId: null, status: 'invalid', reason: 'forged', changedAt: later },
      intruder,
    );
    await publish(
      scheduler,
      'credentials.connection.disconnected',
      { connectionId, actorUserId: 'intruder', disconnectedAt: later },
      intruder,
    );

    for (const key of [
      'credentials.connection.connected',
      'credentials.connection.status-changed',
      'credentials.connection.disconnected',
    ]) {
      const letter = await deadLetterFor(connectionId, key);
      expect(letter.tenantId).toBe(intruder);
      expect(letter.reason).toContain(
        `tenant mismatch: connection '${connectionId}' belongs to tenant '${owner}', the event names tenant '${intruder}'`,
      );
    }
    const after = (await connectionRow(connectionId))!;
    expect(after.tenant_id).toBe(owner);
    expect(after.status).toBe('connected');
    expect(after.status_changed_at.toISOString()).toBe(before.status_changed_at.toISOString());
  });

  it("still applies the owner's own later events", async () => {
    const owner = `org_${randomUUID()}`;
    const connectionId = await connectOrg(scheduler, owner);
    await waitFor(async () => (await connectionRow(connectionId))?.tenant_id === owner || undefined, {
      description: `connection ${connectionId} known to sync`,
    });
    await publish(
      scheduler,
      'credentials.connection.status-changed',
      { connectionId, actorUserId: null, status: 'invalid', reason: 'revoked', changedAt: new Date().toISOString() },
      owner,
    );
    await waitFor(async () => (await connectionRow(connectionId))?.status === 'invalid' || undefined, {
      description: `connection ${connectionId} invalid`,
    });
    expect((await connectionRow(connectionId))!.tenant_id).toBe(owner);
  });
});
