import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';

import { describeError, sleep } from '@pp/common';
import type { PartnerStackRecord, RawPagePayload, RawRemovedPayload } from '@pp/contracts';
import { AnyMessage, BatchFailure, MessagePublisher } from '@pp/messaging';
import { runWithCorrelation } from '@pp/observability';

import { AggregateRefresher } from '../aggregates/aggregate-refresher.service';
import { BatchEntity, DerivedInsight, deriveBatchInsights } from '../insights/insight-derivation';
import { InsightOutboxService } from '../insights/insight-outbox.service';
import { UnmappableRecordError } from '../mapping/field-reader';
import type { MappedMessage } from '../mapping/mapped-record';
import { mapRawRecord, mapRemoval } from '../mapping/raw-record.mapper';
import { normalizerMetrics, timedStep } from '../metrics/normalizer.metrics';
import { TRANSIENT_RETRY_DELAYS_MS } from '../normalizer.constants';
import { TableStatistics } from '../statistics/table-statistics.service';
import { BatchChanges, DomainBatchWriter } from '../writing/domain-batch-writer';

/** One record of a message, mapped: a page event carries many, a removal one. */
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

/** The database's own words: knex prefixes the message with the statement, which may carry record data. */
function databaseMessage(error: unknown): string {
  const message = describeError(error);
  const detail = (error as { detail?: unknown }).detail;
  const at = message.lastIndexOf(' - ');
  const own = at >= 0 ? message.slice(at + 3) : message;
  return typeof detail === 'string' ? `${own} (${detail})` : own;
}

/**
 * Maps every record of a message. Records that cannot be mapped are named in `problems` (by position and key); the
 * others are mapped all the same, so one bad record never holds back the rest of its page.
 */
export function mapMessage(message: AnyMessage): { mapped: MappedMessage[]; problems: string[] } {
  if (message.routingKey.endsWith('.removed')) {
    const payload = message.payload as RawRemovedPayload;
    return { mapped: [mapRemoval({ tenantId: message.tenantId, ...payload })], problems: [] };
  }
  const payload = message.payload as RawPagePayload;
  const mapped: MappedMessage[] = [];
  const problems: string[] = [];
  payload.records.forEach(({ externalKey, record }, index) => {
    try {
      mapped.push(
        mapRawRecord({
          tenantId: message.tenantId,
          stream: payload.stream,
          externalKey,
          fetchedAt: payload.fetchedAt,
          // Its key is checked by the mapping: a record without one is a problem of this record alone.
          record: record as PartnerStackRecord,
        }),
      );
    } catch (error) {
      if (!(error instanceof UnmappableRecordError)) throw error;
      problems.push(`record ${index} ('${externalKey}'): ${error.message}`);
    }
  });
  return { mapped, problems };
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
    private readonly statistics: TableStatistics,
    private readonly insights: InsightOutboxService,
  ) {}

  public async applyBatch(messages: AnyMessage[]): Promise<BatchFailure[]> {
    const started = process.hrtime.bigint();
    const failures: BatchFailure[] = [];
    const items: MappedItem[] = [];
    let rejectedRecords = 0;
    for (const message of messages) {
      const { mapped, problems } = mapMessage(message);
      for (const record of mapped) items.push({ message, mapped: record });
      if (problems.length > 0) {
        rejectedRecords += problems.length;
        this.reject(message, `unmappable: ${problems.join('; ')}`, failures);
      }
    }

    const rejectedItems = new Set<MappedItem>();
    const derived: DerivedInsight[] = [];
    const changes = await this.writePerTenant(items, failures, rejectedItems, derived);
    rejectedRecords += rejectedItems.size;
    const appliedPerTenant = new Map<string, number>();
    const rowsByTable = new Map<string, number>();
    const count = (table: string, rows: number) => rowsByTable.set(table, (rowsByTable.get(table) ?? 0) + rows);
    for (const item of items) {
      if (rejectedItems.has(item)) continue;
      appliedPerTenant.set(item.message.tenantId, (appliedPerTenant.get(item.message.tenantId) ?? 0) + 1);
      for (const { table } of item.mapped.rows) count(table, 1);
      count('status_observation', item.mapped.observations.length);
      count('status_history', item.mapped.observations.length);
    }
    this.statistics.noteWrites(rowsByTable);
    const applied = items.length - rejectedItems.size;

    await this.publisher.publishAll(
      [...changes].map(([tenantId, kinds]) => ({
        key: 'normalized.changed' as const,
        payload: { entityKinds: [...kinds].sort(), records: appliedPerTenant.get(tenantId) ?? 0 },
        meta: { tenantId },
      })),
    );
    await this.insights.publish(derived);
    for (const tenantId of changes.keys()) this.aggregates.touch(tenantId);

    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    normalizerMetrics.batchSeconds.observe(seconds);
    normalizerMetrics.records.inc({ outcome: 'applied' }, applied);
    if (rejectedRecords) normalizerMetrics.records.inc({ outcome: 'dead_lettered' }, rejectedRecords);
    this.logger.log(
      {
        messages: messages.length,
        records: applied + rejectedRecords,
        applied,
        failed: rejectedRecords,
        tenants: [...appliedPerTenant.keys()].slice(0, 20),
        changed: Object.fromEntries([...changes].map(([tenant, kinds]) => [tenant, [...kinds].sort()])),
        correlationIds: [...new Set(messages.map((message) => message.correlationId))].slice(0, 20),
        ms: Math.round(seconds * 1000),
      },
      `Applied ${applied}/${applied + rejectedRecords} raw records of ${messages.length} message(s) ` +
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
  private async writePerTenant(
    items: MappedItem[],
    failures: BatchFailure[],
    rejected: Set<MappedItem>,
    derived: DerivedInsight[],
  ): Promise<BatchChanges> {
    const byTenant = new Map<string, MappedItem[]>();
    for (const item of items) {
      const group =
        byTenant.get(item.message.tenantId) ?? byTenant.set(item.message.tenantId, []).get(item.message.tenantId)!;
      group.push(item);
    }
    const results = await Promise.all(
      [...byTenant.values()].map((group) => this.writeIsolatingBadData(group, failures, rejected, derived)),
    );
    return new Map(results.flatMap((changes) => [...changes]));
  }

  /**
   * Commits the tenant's part of the batch in one transaction. If the database rejects a value (an invalid
   * character, a number out of range), the part is split until the offending records are isolated; their messages
   * are dead-lettered, every other record applied.
   */
  private async writeIsolatingBadData(
    items: MappedItem[],
    failures: BatchFailure[],
    rejected: Set<MappedItem>,
    derived: DerivedInsight[],
  ): Promise<BatchChanges> {
    if (items.length === 0) return new Map();
    try {
      return await this.commit(items, derived);
    } catch (error) {
      if (!isDataError(error)) throw error;
      if (items.length === 1) {
        rejected.add(items[0]);
        this.reject(
          items[0].message,
          `rejected by the database (${sqlState(error)}): ${databaseMessage(error)}`,
          failures,
        );
        return new Map();
      }
      const middle = Math.ceil(items.length / 2);
      const first = await this.writeIsolatingBadData(items.slice(0, middle), failures, rejected, derived);
      const second = await this.writeIsolatingBadData(items.slice(middle), failures, rejected, derived);
      for (const [tenantId, kinds] of second) first.set(tenantId, new Set([...(first.get(tenantId) ?? []), ...kinds]));
      return first;
    }
  }

  /**
   * Writes the items (one tenant's) and, in the same transaction, records the insight events their changes make
   * (`derived` gains them once the transaction committed, to be published after it).
   */
  private async commit(items: MappedItem[], derived: DerivedInsight[]): Promise<BatchChanges> {
    const knex = this.em.getConnection().getKnex();
    const tenantId = items[0].message.tenantId;
    const entities: BatchEntity[] = items.flatMap(({ message, mapped }) =>
      mapped.rows.map(({ table, row }) => ({
        kind: table,
        key: row.externalKey,
        syncRunId: (message.payload as RawPagePayload).syncRunId,
        correlationId: message.correlationId,
      })),
    );
    for (let attempt = 0; ; attempt++) {
      try {
        const { changes, insights } = await knex.transaction(async (trx) => {
          const written = await this.writer.apply(
            trx,
            items.map((item) => item.mapped),
          );
          return {
            changes: written,
            insights: await timedStep('insights', () => deriveBatchInsights(trx, tenantId, entities)),
          };
        });
        derived.push(...insights);
        return changes;
      } catch (error) {
        if (!isTransient(error) || attempt >= TRANSIENT_RETRY_DELAYS_MS.length) throw error;
        this.logger.warn(
          `Batch transaction failed transiently (${sqlState(error)}), retrying: ${databaseMessage(error)}`,
        );
        await sleep(TRANSIENT_RETRY_DELAYS_MS[attempt]);
      }
    }
  }
}
