import type { Knex } from '@mikro-orm/knex';

import type { MappedMessage } from '../mapping/mapped-record';
import { timedStep } from '../metrics/normalizer.metrics';

import { AccountMatcher } from './account-matching';
import { reduceBatch } from './batch-contents';
import { CommissionRuleWriter } from './commission-rules';
import { LinkResolver } from './links';
import { RemovalWriter } from './removals';
import { entityKeyOf, StatusHistoryWriter } from './status-history';
import { VersionUpserts } from './version-upserts';

/** What a committed batch changed, per tenant: the entity kinds touched (for `normalized.changed`). */
export type BatchChanges = Map<string, Set<string>>;

/**
 * Writes mapped messages into the `domain` schema with set-based SQL built from the entities' metadata, inside the
 * caller's transaction: one upsert per table (newer versions only), then removals, late links, account matching and status history.
 * Every statement is scoped by (tenant, external key) pairs of the batch.
 */
export class DomainBatchWriter {
  private readonly removals = new RemovalWriter();
  private readonly upserts = new VersionUpserts(new CommissionRuleWriter(), this.removals);
  private readonly links = new LinkResolver();
  private readonly history = new StatusHistoryWriter();
  private readonly matcher = new AccountMatcher();

  public async apply(trx: Knex.Transaction, messages: MappedMessage[]): Promise<BatchChanges> {
    const changes: BatchChanges = new Map();
    const touch = (tenantId: string, kind: string) =>
      changes.set(tenantId, (changes.get(tenantId) ?? new Set()).add(kind));
    const batch = reduceBatch(messages);

    const outcomes = await timedStep('upserts', async () =>
      this.upserts.write(trx, batch, await this.removals.pendingKinds(trx, batch.tenants), touch),
    );
    await timedStep('removals', async () => {
      for (const [table, removals] of batch.removals)
        for (const tenantId of await this.removals.apply(trx, table, removals)) touch(tenantId, table);
    });
    await timedStep('links', () => this.links.resolve(trx, outcomes));
    await timedStep('account_matching', () => this.matcher.match(trx, outcomes.get('account')?.written ?? []));

    if (batch.observations.length > 0) {
      const inserted = new Set<string>();
      for (const [table, outcome] of outcomes)
        for (const row of outcome.inserted) inserted.add(entityKeyOf(table, row.tenantId, row.externalKey));
      const tenants = await timedStep('status_history', () => this.history.write(trx, batch.observations, inserted));
      for (const tenantId of tenants) touch(tenantId, 'status_history');
    }
    return changes;
  }
}
