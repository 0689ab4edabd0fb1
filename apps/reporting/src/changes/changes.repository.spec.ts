import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';

import { compile, sql } from '../database/sql';
import { TenantScope } from '../database/tenant-scope';
import { encodeCursor, parseSort } from '../pagination/keyset-cursor';
import { CHANGE_KINDS, ChangesQueryDto } from './changes.dto';
import { changeFilters, changePosition, changesUnion, detailOf, toChange } from './changes.repository';

const scope = TenantScope.fromUser({ userId: 'u', orgId: 'org_a', roles: [] });
const thresholds = { afterDays: 30, stuckDays: 60 };
const since = '2026-11-01T00:00:00Z';
const all = { since, includeRemoved: false, kinds: CHANGE_KINDS };
const order = parseSort(
  undefined,
  [{ name: 'occurredAt', expression: 'x.occurred_at', sqlType: 'timestamptz' }],
  '-occurredAt',
);
const uuid = '0b7c3a4e-5f60-4d1e-9a2b-3c4d5e6f7a8b';
const cursorAt = (id: string) => encodeCursor(order, { id, cursor_value: '2026-11-02 10:00:00.123456+00' });

describe('changes since', () => {
  it('scopes every table of every kind to the tenant, and binds the thresholds rather than splicing them', () => {
    const { text, values } = compile(scope, sql`select * from (${changesUnion(thresholds, new Date(), all)}) x`);
    // Six between the seven kinds, six in the status changes’ lookup of the record among its seven tables.
    expect(text.match(/\bunion all\b/g)).toHaveLength(12);
    // Each `domain.<table> <alias>` has its `<alias>.tenant_id = ?`.
    const aliases = [...text.matchAll(/domain\.[a-z_]+ ([a-z]+)/g)].map((match) => match[1]);
    expect(aliases).toHaveLength(23);
    for (const alias of new Set(aliases)) expect(text).toContain(`${alias}.tenant_id = ?`);
    expect(values.filter((value) => value === 'org_a')).toHaveLength([...text.matchAll(/\.tenant_id = \?/g)].length);
    expect(values).toEqual(expect.arrayContaining([30, 60]));
    expect(text).not.toMatch(/\b30 \* interval|\b60 \* interval/);
  });

  it('reads only the kinds asked for, each branch with its own filters, order and limit', () => {
    const { text, values } = compile(
      scope,
      changesUnion(thresholds, new Date(), {
        ...all,
        kinds: ['payout_created', 'referral_created'],
        programId: uuid,
        limit: 51,
      }),
    );
    expect(text).not.toContain('status_history');
    expect(text.indexOf('domain.payout p')).toBeLessThan(text.indexOf('domain.referral c'));
    expect(text.match(/ order by 2 desc, [a-z]\.id desc limit \?/g)).toHaveLength(2);
    expect(text.match(/not \([a-z]\.removed_upstream_at is not null\)/g)).toHaveLength(2);
    expect(values.filter((value) => value === uuid)).toHaveLength(2);
    expect(values.filter((value) => value === since)).toHaveLength(2);
    const removed = compile(scope, changesUnion(thresholds, new Date(), { ...all, includeRemoved: true })).text;
    expect(removed).not.toContain('not (');
  });

  it('turns a cursor into a position every branch compares against: its own kind by id, the others by time', () => {
    const after = changePosition(cursorAt(`payout_created:${uuid}`));
    expect(after).toEqual({ value: '2026-11-02 10:00:00.123456+00', kind: 'payout_created', id: uuid });
    const { text } = compile(
      scope,
      changesUnion(thresholds, new Date(), {
        ...all,
        kinds: ['offer_ended', 'payout_created', 'referral_created'],
        after,
      }),
    );
    // offer_ended sorts before payout_created, referral_created after it: in descending order, at the cursor's very
    // time the later kind was read already and the earlier kind is still to come.
    expect(text).toContain('cr.valid_to <= ?::timestamptz');
    expect(text).toContain('(coalesce(p.source_created_at, p.created_at), p.id) < (?::timestamptz, ?::uuid)');
    expect(text).toContain('coalesce(c.source_created_at, c.created_at) < ?::timestamptz');
    expect(changePosition(undefined)).toBeUndefined();
    for (const id of ['payout_created:not-a-uuid', `nonsense:${uuid}`, uuid]) {
      expect(() => changePosition(cursorAt(id))).toThrow(/cursor is not one this service issued/);
    }
    expect(changeFilters(plainToInstance(ChangesQueryDto, { since }), 51)).toEqual({
      ...all,
      after: undefined,
      limit: 51,
      programId: undefined,
    });
  });

  it('types each kind’s detail, amounts as money', () => {
    expect(detailOf('payout_created', { amount: 10000, currency: 'EUR', status: null, sentAt: null })).toEqual({
      amount: { amount: 10000, currency: 'EUR' },
      status: null,
      sentAt: null,
    });
    expect(
      detailOf('offer_started', {
        offerKey: null,
        offerKind: 'percentage',
        sourceType: 'revenue_share',
        rate: '12.5',
        currency: 'USD',
        description: null,
        validFrom: '2026-11-01T10:00:00+00:00',
        validTo: null,
      }),
    ).toEqual({
      offerKey: null,
      offerKind: 'percentage',
      sourceType: 'revenue_share',
      rate: 12.5,
      currency: 'USD',
      description: null,
      validFrom: '2026-11-01T10:00:00.000Z',
      validTo: null,
    });
    expect(
      detailOf('missed_reward_detected', {
        reason: 'reward_stuck',
        record: 'reward',
        currency: 'USD',
        amountAtStake: null,
      }),
    ).toEqual({ reason: 'reward_stuck', record: 'reward', amountAtStake: null, recovered: null });
    expect(
      detailOf('missed_reward_resolved', {
        reason: 'reward_below_rule',
        record: 'reward',
        currency: 'USD',
        amountAtStake: 300,
        recovered: 250,
        recoveredCurrency: 'USD',
      }),
    ).toMatchObject({ amountAtStake: { amount: 300, currency: 'USD' }, recovered: { amount: 250, currency: 'USD' } });
  });

  it('names the entity as the API does: a partnership is a program, a billing record a transaction', () => {
    const row = {
      id: 'status_changed:1',
      cursor_value: '',
      kind: 'status_changed' as const,
      occurred_at: new Date('2026-11-01T00:00:00Z'),
      entity_id: 'e1',
      external_key: 'part_1',
      detail: { field: 'status', from: 'active', to: 'archived' },
      program_id: null,
      program_external_key: null,
      program_name: null,
    };
    expect(toChange({ ...row, entity_table: 'partnership' }).entity).toEqual({
      type: 'program',
      id: 'e1',
      externalKey: 'part_1',
    });
    expect(toChange({ ...row, entity_table: 'billing_record' }).entity.type).toBe('transaction');
    expect(toChange({ ...row, entity_table: 'commission_rule' }).entity.type).toBe('offer');
    expect(toChange({ ...row, entity_table: 'partnership' }).program).toBeNull();
  });

  it.each([
    [{ kind: 'status_changed,offer_ended' }, ['status_changed', 'offer_ended']],
    [
      { kind: ['status_changed', 'payout_created,offer_started'] },
      ['status_changed', 'payout_created', 'offer_started'],
    ],
    [{ kind: 'referral_created' }, ['referral_created']],
  ])('reads kind %j as a list', async (input, kinds) => {
    const query = plainToInstance(ChangesQueryDto, { since: '2026-11-01', ...input });
    expect(await validate(query)).toEqual([]);
    expect(query.kind).toEqual(kinds);
  });

  it.each([
    ['2026-11-01', true],
    ['2026-11-01T10:00:00Z', true],
    ['2026-11-01T10:00:00.123456+02:00', true],
    ['2026-11-01T10:00Z', true],
    ['2026-11-01T10:00:00', false],
    ['1969-12-31T23:59:59Z', false],
    ['2026-02-30', false],
    ['+275760-09-13', false],
  ])('accepts since=%s: %s', async (since, accepted) => {
    const errors = await validate(plainToInstance(ChangesQueryDto, { since }));
    expect(errors.length === 0).toBe(accepted);
  });

  it('refuses an unknown or empty kind, and a missing since', async () => {
    for (const input of [{ since: '2026-11-01', kind: 'status_changed,nope' }, { since: '2026-11-01', kind: '' }, {}]) {
      expect(await validate(plainToInstance(ChangesQueryDto, input))).not.toEqual([]);
    }
  });
});
