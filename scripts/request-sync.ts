/**
 * Asks the sync scheduler for a sync of one org now, by default a full reconcile (docs/operations.md, "Forcing a
 * full reconcile"): re-reads every stream whole and emits removals for records PartnerStack no longer returns.
 *
 *   npm run sync:request -- --org <tenantId> [--connection <connectionId>] [--mode full|incremental]
 *
 * Without `--connection`, the org's connected connection is looked up in the sync service's own table
 * (DATABASE_URL). The message is `sync.requested`, built and validated by @pp/messaging's publisher like any
 * service's. The scheduler runs it under its `syncRunId`, or merges it into a sync not started yet
 * (`sync.run.merged`), or runs it right after the sync that is running (docs/sync.md, "Scheduler").
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';

import { Client } from 'pg';

import { MessageOf, SYNC_MODES } from '@pp/contracts';
import { AmqpConnection, describeBrokerUrl, MessagePublisher, MessagingOptions } from '@pp/messaging';
import { createScriptLogger } from '@pp/observability';
import { describeDatabaseUrl } from '@pp/persistence';

export type SyncMode = (typeof SYNC_MODES)[number];

export interface SyncRequest {
  url: string;
  tenantId: string;
  connectionId: string;
  mode?: SyncMode;
  exchange?: string;
}

/** Publishes `sync.requested` and resolves once the broker confirmed it. */
export async function requestSync({
  url,
  tenantId,
  connectionId,
  mode = 'full',
  exchange,
}: SyncRequest): Promise<MessageOf<'sync.requested'>> {
  const options: MessagingOptions = { url, serviceName: 'sync-request-script', exchange };
  const connection = new AmqpConnection(options);
  const publisher = new MessagePublisher(connection, options);
  try {
    return await publisher.publish(
      'sync.requested',
      { connectionId, syncRunId: randomUUID(), reason: mode === 'full' ? 'reconcile' : 'manual', mode },
      { tenantId },
    );
  } finally {
    // publish() resolved on the broker's confirm, so nothing is left to flush.
    await connection.onApplicationShutdown();
  }
}

/** The org's connected PartnerStack connection, as the sync service knows it. */
export async function findConnectedConnection(databaseUrl: string, tenantId: string): Promise<string | undefined> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string }>(
      `select id from sync.connection where tenant_id = $1 and status = 'connected' order by updated_at desc limit 1`,
      [tenantId],
    );
    return rows[0]?.id;
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const logger = createScriptLogger('sync-request');
  const { values } = parseArgs({
    options: {
      org: { type: 'string' },
      connection: { type: 'string' },
      mode: { type: 'string', default: 'full' },
    },
  });
  const mode = values.mode as SyncMode;
  if (!values.org || !SYNC_MODES.includes(mode)) {
    console.error('usage: npm run sync:request -- --org <tenantId> [--connection <id>] [--mode full|incremental]');
    process.exit(2);
  }
  const amqpUrl = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
  const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/partner_partner';
  let connectionId = values.connection;
  if (!connectionId) {
    connectionId = await findConnectedConnection(databaseUrl, values.org);
    if (!connectionId) {
      logger.error(`Org ${values.org} has no connected PartnerStack connection in ${describeDatabaseUrl(databaseUrl)}`);
      process.exit(1);
    }
  }
  const message = await requestSync({ url: amqpUrl, tenantId: values.org, connectionId, mode });
  logger.info(
    {
      tenantId: message.tenantId,
      connectionId,
      syncRunId: message.payload.syncRunId,
      mode,
      correlationId: message.correlationId,
    },
    `Requested a ${mode} sync on ${describeBrokerUrl(amqpUrl)}; follow it with GET /v1/sync-runs or the correlation id`,
  );
}

if (require.main === module) {
  main().catch((error: unknown) => {
    createScriptLogger('sync-request').fatal({ err: error }, 'Sync request failed');
    process.exit(1);
  });
}
