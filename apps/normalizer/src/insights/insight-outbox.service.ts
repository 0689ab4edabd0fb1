import type { Knex } from '@mikro-orm/knex';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';

import { describeError } from '@pp/common';
import { contractOf, isRoutingKey, RoutingKey } from '@pp/contracts';
import { MessagePublisher, OutgoingMessage } from '@pp/messaging';

import { DerivedInsight, deriveLifecycleInsights, LIFECYCLE_SETTINGS, missedAt } from './insight-derivation';

/** How often the sweep publishes what a crash left unsent and looks for what time alone changed. */
export const INSIGHT_SWEEP_INTERVAL_MS = 30_000;
/** Rows younger than this are still being published by the batch that wrote them. */
const SWEEP_GRACE_SECONDS = 20;
const SWEEP_LIMIT = 500;

interface OutboxRow {
  id: string;
  tenant_id: string;
  idempotency_key: string;
  routing_key: string;
  payload: Record<string, unknown>;
  correlation_id: string | null;
  occurred_at: Date;
}

const LOCK_SQL = `select id, tenant_id, idempotency_key, routing_key, payload, correlation_id, occurred_at
  from domain.insight_outbox`;

/**
 * Publishes the insight events the normalizer recorded in its outbox: right after the transaction that recorded them
 * committed, and, for what a crash or an unreachable broker left behind, from a periodic sweep. Rows are locked
 * while published (`skip locked`), so the batch and the sweep, or two replicas, never send one row together; a row is
 * marked sent only after the broker confirmed it. A crash between the confirm and the mark sends it again, under the
 * same idempotency key.
 */
@Injectable()
export class InsightOutboxService {
  private readonly logger = new Logger(InsightOutboxService.name);
  private sweeping = false;

  constructor(
    private readonly em: EntityManager,
    private readonly publisher: MessagePublisher,
  ) {}

  private get knex(): Knex {
    return this.em.getConnection().getKnex();
  }

  /** Publishes rows just derived; suppressed ones are the starting state and stay unsent. */
  public async publish(derived: DerivedInsight[]): Promise<void> {
    const ids = derived.filter((row) => !row.suppressed).map((row) => row.id);
    if (ids.length === 0) return;
    try {
      await this.publishLocked(
        `${LOCK_SQL} where id in (select jsonb_array_elements_text(?::jsonb)::uuid) and published_at is null`,
        [JSON.stringify(ids)],
      );
    } catch (error) {
      this.logger.warn(`Publishing ${ids.length} insight event(s) failed; the sweep retries: ${describeError(error)}`);
    }
  }

  /** Derives the lifecycle events of a tenant (in the caller's transaction, after its aggregate refresh). */
  public derive(trx: Knex.Transaction, tenantId: string): Promise<DerivedInsight[]> {
    return deriveLifecycleInsights(trx, tenantId);
  }

  @Interval(INSIGHT_SWEEP_INTERVAL_MS)
  public async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      await this.timePassed();
      for (;;) {
        const sent = await this.publishLocked(
          `${LOCK_SQL} where published_at is null and not suppressed
             and created_at < now() - ? * interval '1 second'
           order by created_at limit ?`,
          [SWEEP_GRACE_SECONDS, SWEEP_LIMIT],
        );
        if (sent < SWEEP_LIMIT) break;
      }
    } catch (error) {
      this.logger.warn(`Insight sweep failed; retrying at the next one: ${describeError(error)}`);
    } finally {
      this.sweeping = false;
    }
  }

  /**
   * Time alone makes a candidate overdue (missed) or brings a missed reward near its deadline, and its tenant may
   * have had no refresh since: the tenants with such a row not yet announced are derived again.
   */
  private async timePassed(): Promise<void> {
    const tenants = await this.knex.raw<{ rows: { tenant_id: string }[] }>(
      `select distinct l.tenant_id from domain.report_missed_reward_lifecycle l
        where l.resolved_at is null and ${missedAt('l')} <= now()
          and (not exists (select 1 from domain.insight_outbox o where o.tenant_id = l.tenant_id
                             and o.idempotency_key = 'insight.missed-reward.detected:' || l.id)
               or (l.basis_at + :claimDays * interval '1 day'
                     between now() and now() + :nearDays * interval '1 day'
                   and not exists (select 1 from domain.insight_outbox o where o.tenant_id = l.tenant_id
                                     and o.idempotency_key = 'insight.missed-reward.deadline-near:' || l.id)))`,
      LIFECYCLE_SETTINGS,
    );
    for (const { tenant_id: tenantId } of tenants.rows) {
      const derived = await this.knex.transaction((trx) => this.derive(trx, tenantId));
      await this.publish(derived);
    }
  }

  /** Locks the selected unsent rows, publishes them with confirms, marks them sent; returns how many. */
  private async publishLocked(selectSql: string, bindings: readonly Knex.RawBinding[]): Promise<number> {
    return this.knex.transaction(async (trx) => {
      const { rows } = await trx.raw<{ rows: OutboxRow[] }>(`${selectSql} for update skip locked`, bindings);
      if (rows.length === 0) return 0;
      const messages: OutgoingMessage<RoutingKey>[] = [];
      const invalid: string[] = [];
      for (const row of rows) {
        const problem = !isRoutingKey(row.routing_key)
          ? `unknown routing key '${row.routing_key}'`
          : contractOf(row.routing_key).payload.safeParse(row.payload).error?.message;
        if (problem !== undefined || !isRoutingKey(row.routing_key)) {
          // A bug in the derivation, not a passing fault: kept for inspection instead of blocking the rows after it.
          this.logger.error(
            { id: row.id, key: row.idempotency_key, problem },
            'Insight event does not match its contract',
          );
          invalid.push(row.id);
          continue;
        }
        messages.push({
          key: row.routing_key,
          payload: row.payload as OutgoingMessage<RoutingKey>['payload'],
          meta: {
            tenantId: row.tenant_id,
            correlationId: row.correlation_id ?? undefined,
            idempotencyKey: row.idempotency_key,
            occurredAt: new Date(row.occurred_at),
          },
        });
      }
      if (invalid.length > 0)
        await trx.raw(
          'update domain.insight_outbox set suppressed = true where id in (select jsonb_array_elements_text(?::jsonb)::uuid)',
          [JSON.stringify(invalid)],
        );
      await this.publisher.publishAll(messages);
      await trx.raw(
        'update domain.insight_outbox set published_at = now() where id in (select jsonb_array_elements_text(?::jsonb)::uuid)',
        [JSON.stringify(rows.filter((row) => !invalid.includes(row.id)).map((row) => row.id))],
      );
      return rows.length;
    });
  }
}
