import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';

import type { RawRecordPayload, RawRemovedPayload } from '@pp/contracts';
import { AnyMessage, BatchFailure, MessagePublisher } from '@pp/messaging';
import { runWithCorrelation } from '@pp/observability';

import { AggregateRefresher } from '../aggregates/aggregate-refresher.service';
import { UnmappableRecordError } from '../mapping/field-reader';
import type { MappedMessage } from '../mapping/mapped-record';
import { mapRawRecord, mapRemoval } from '../mapping/raw-record.mapper';
import { normalizerMetrics } from '../metrics/normalizer.metrics';
import { TRANSIENT_RETRY_DELAYS_MS } from '../normalizer.constants';
import { BatchChanges, DomainBatchWriter } from '../writing/domain-batch-writer';

interface MappedItem {
  message: AnyMessage;
  mapped: MappedMessage;
}

/** SQLSTATE classes caused by the data of a record (bad value, constraint): retrying the same data cannot help. */
const DATA_ERROR_CLASSES = ['22', '23', '54'];
/** Failures that pass: lost connection, admin shutdown, serialization failure, deadlock, too many connections. */
const TRANSIENT_SQLSTATES = ['40001', '40P01', '57P01', '57P02', '57P03', '53300'];

function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function isDataError(error: unknown): boolean {
  const code = sqlState(error);
  return code !== undefined && code.length === 5 && DATA_ERROR_CLASSES.includes(code.slice(0, 2));
}

function isTransient(error: unknown): boolean {
  const code = sqlState(error);
  if (code === undefined) return false;
  return TRANSIENT_SQLSTATES.includes(code) || code.startsWith('08') || /^E(CONN|PIPE|TIMEDOUT|HOSTUNREACH)/.test(code);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The database's own words: knex prefixes the message with the statement, which may carry record data. */
function databaseMessage(error: unknown): string {
  const message = describe(error);
  const detail = (error as { detail?: unknown }).detail;
  const at = message.lastIndexOf(' - ');
  const own = at >= 0 ? message.slice(at + 3) : message;
  return typeof detail === 'string' ? `${own} (${detail})` : own;
}

export function mapMessage(message: AnyMessage): MappedMessage {
  if (message.routingKey.endsWith('.removed')) {
    const payload = message.payload as RawRemovedPayload;
    return mapRemoval({ tenantId: message.tenantId, ...payload });
  }
  const payload = message.payload as RawRecordPayload;
  return mapRawRecord({
    tenantId: message.tenantId,
    stream: payload.stream,
    externalKey: payload.externalKey,
    fetchedAt: payload.fetchedAt,
    record: payload.record,
  });
}

/**
 * Applies batches of raw PartnerStack messages to the normalized model: one transaction per batch, unmappable
 * messages reported back (dead-lettered) while the rest is applied, one `normalized.changed` per tenant and batch
 * after the commit, and a debounced refresh of the tenant's report aggregates.
 */
@Injectable()
export class NormalizerService {
  private readonly logger = new Logger(NormalizerService.name);
  private readonly writer = new DomainBatchWriter();

  constructor(
    private readonly em: EntityManager,
    private readonly publisher: MessagePublisher,
    private readonly aggregates: AggregateRefresher,
  ) {}

  public async applyBatch(messages: AnyMessage[]): Promise<BatchFailure[]> {
    const started = process.hrtime.bigint();
    const failures: BatchFailure[] = [];
    const items: MappedItem[] = [];
    for (const message of messages) {
      try {
        items.push({ message, mapped: mapMessage(message) });
      } catch (error) {
        if (!(error instanceof UnmappableRecordError)) throw error;
        this.reject(message, `unmappable: ${error.message}`, failures);
      }
    }

    const changes = await this.writePerTenant(items, failures);
    const failed = new Set(failures.map((failure) => failure.messageId));
    const appliedPerTenant = new Map<string, number>();
    for (const { message } of items)
      if (!failed.has(message.messageId))
        appliedPerTenant.set(message.tenantId, (appliedPerTenant.get(message.tenantId) ?? 0) + 1);

    await this.publisher.publishAll(
      [...changes].map(([tenantId, kinds]) => ({
        key: 'normalized.changed' as const,
        payload: { entityKinds: [...kinds].sort(), records: appliedPerTenant.get(tenantId) ?? 0 },
        meta: { tenantId },
      })),
    );
    for (const tenantId of changes.keys()) this.aggregates.touch(tenantId);

    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    normalizerMetrics.batchSeconds.observe(seconds);
    normalizerMetrics.records.inc({ outcome: 'applied' }, messages.length - failures.length);
    if (failures.length) normalizerMetrics.records.inc({ outcome: 'dead_lettered' }, failures.length);
    this.logger.log(
      {
        messages: messages.length,
        applied: messages.length - failures.length,
        failed: failures.length,
        tenants: [...appliedPerTenant.keys()].slice(0, 20),
        changed: Object.fromEntries([...changes].map(([tenant, kinds]) => [tenant, [...kinds].sort()])),
        correlationIds: [...new Set(messages.map((message) => message.correlationId))].slice(0, 20),
        ms: Math.round(seconds * 1000),
      },
      `Applied a batch of ${messages.length - failures.length}/${messages.length} raw records ` +
        `in ${Math.round(seconds * 1000)} ms`,
    );
    return failures;
  }

  private reject(message: AnyMessage, reason: string, failures: BatchFailure[]): void {
    failures.push({ messageId: message.messageId, reason });
    runWithCorrelation({ correlationId: message.correlationId, tenantId: message.tenantId }, () =>
      this.logger.warn(
        { messageId: message.messageId, routingKey: message.routingKey, reason },
        'Rejected a raw record',
      ),
    );
  }

  /**
   * Tenants never share a row, so each tenant's part of the batch commits in a transaction of its own, concurrently:
   * the batch is atomic per tenant, and a busy tenant's sync overlaps another's.
   */
  private async writePerTenant(items: MappedItem[], failures: BatchFailure[]): Promise<BatchChanges> {
    const byTenant = new Map<string, MappedItem[]>();
    for (const item of items) {
      const group =
        byTenant.get(item.message.tenantId) ?? byTenant.set(item.message.tenantId, []).get(item.message.tenantId)!;
      group.push(item);
    }
    const results = await Promise.all(
      [...byTenant.values()].map((group) => this.writeIsolatingBadData(group, failures)),
    );
    return new Map(results.flatMap((changes) => [...changes]));
  }

  /**
   * Commits the tenant's part of the batch in one transaction. If the database rejects a value (an invalid
   * character, a number out of range), the part is split until the offending messages are isolated; they are
   * dead-lettered, the rest applied.
   */
  private async writeIsolatingBadData(items: MappedItem[], failures: BatchFailure[]): Promise<BatchChanges> {
    if (items.length === 0) return new Map();
    try {
      return await this.commit(items);
    } catch (error) {
      if (!isDataError(error)) throw error;
      if (items.length === 1) {
        this.reject(
          items[0].message,
          `rejected by the database (${sqlState(error)}): ${databaseMessage(error)}`,
          failures,
        );
        return new Map();
      }
      const middle = Math.ceil(items.length / 2);
      const first = await this.writeIsolatingBadData(items.slice(0, middle), failures);
      const second = await this.writeIsolatingBadData(items.slice(middle), failures);
      for (const [tenantId, kinds] of second) first.set(tenantId, new Set([...(first.get(tenantId) ?? []), ...kinds]));
      return first;
    }
  }

  private async commit(items: MappedItem[]): Promise<BatchChanges> {
    const knex = this.em.getConnection().getKnex();
    for (let attempt = 0; ; attempt++) {
      try {
        return await knex.transaction((trx) =>
          this.writer.apply(
            trx,
            items.map((item) => item.mapped),
          ),
        );
      } catch (error) {
        if (!isTransient(error) || attempt >= TRANSIENT_RETRY_DELAYS_MS.length) throw error;
        this.logger.warn(
          `Batch transaction failed transiently (${sqlState(error)}), retrying: ${databaseMessage(error)}`,
        );
        await new Promise((resolve) => setTimeout(resolve, TRANSIENT_RETRY_DELAYS_MS[attempt]));
      }
    }
  }
}
