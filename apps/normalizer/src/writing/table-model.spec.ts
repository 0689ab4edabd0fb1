import { ReferenceKind } from '@mikro-orm/core';

import type { ColumnsOf } from '../mapping/mapped-record';

import { SYNCED_TABLE_RULES, SYNCED_TABLES } from './synced-tables';
import { metadataOf, modelOf } from './table-model';
import { upsertSql } from './version-upserts';

describe('table models from the entity metadata', () => {
  it.each(SYNCED_TABLES)(
    '%s: writes every mapped column of its entity and upserts on (tenant, external key)',
    (kind) => {
      const meta = metadataOf(SYNCED_TABLE_RULES[kind].entity);
      const model = modelOf(kind);
      const linkIds = new Set(model.links.map((link) => link.id.property));
      const scalars = meta.props
        .filter((prop) => prop.kind === ReferenceKind.SCALAR)
        .map((prop) => prop.name)
        .filter((name) => !['createdAt', 'updatedAt', 'lastRemovalSeenAt', 'removedUpstreamAt'].includes(name));
      expect(model.written.map((column) => column.property).sort()).toEqual([...scalars].sort());
      expect(model.conflictColumns).toBe('tenant_id, external_key');
      for (const prop of meta.props.filter((candidate) => candidate.kind === ReferenceKind.MANY_TO_ONE))
        expect(linkIds).toContain(prop.name);
      expect(model.table).toBe(`domain.${kind}`);
    },
  );

  it('takes column names and types from the entity', () => {
    const reward = modelOf('reward');
    expect(reward.written.find((column) => column.property === 'amount')).toMatchObject({
      name: 'amount',
      type: 'bigint',
    });
    expect(reward.history.map((column) => column.name)).toEqual(['reward_status', 'payment_status']);
    const payout = reward.links.filter((link) => link.id.name === 'payout_id');
    expect(payout.map((link) => [link.key.name, link.target, link.targetColumn.name])).toEqual([
      ['payout_ref', 'domain.payout', 'source_id'],
      ['payout_ref', 'domain.payout', 'external_key'],
    ]);
  });

  it('keeps the earliest conversion time and resolves the referral links in its upsert', () => {
    const sql = upsertSql(modelOf('referral'));
    expect(sql).toContain('converted_at = least(t.converted_at, excluded.converted_at)');
    expect(sql).toContain('"contactEmail" text');
    expect(sql).toMatch(
      /from domain\.account t\s+where t\.tenant_id = x\."tenantId" and t\.external_key = x\."externalKey"/,
    );
  });

  it('types mapped data by the entity: a misspelt property or a wrong type does not compile', () => {
    const columns: ColumnsOf<'payout'> = {
      sourceId: '1',
      amount: 100,
      currency: 'USD',
      status: null,
      providerType: null,
      sentAt: null,
      withdrawalDate: '2024-11-01T00:00:00.000Z',
      partnershipKey: null,
    };
    // @ts-expect-error `sentAtt` is no property of Payout
    const misspelt: ColumnsOf<'payout'> = { ...columns, sentAtt: null };
    // @ts-expect-error Payout.amount is a number (bigint as number)
    const wrongType: ColumnsOf<'payout'> = { ...columns, amount: '100' };
    // @ts-expect-error link ids are resolved by the writer, never mapped
    const linkId: ColumnsOf<'reward'>['payoutId'] = null;
    expect([misspelt, wrongType, linkId]).toHaveLength(3);
  });
});
