import { Injectable } from '@nestjs/common';

import type { MatchedBy } from '@pp/domain';

import { iso, totalsByCurrency } from '../common/money';
import { PROGRAM_REF_COLUMNS, programJoin, ProgramRef, programRef, ProgramRefRow } from '../common/program-ref';
import { ReportingDatabase } from '../database/reporting-database.service';
import { sql, table, tenant } from '../database/sql';
import { TenantScope } from '../database/tenant-scope';
import { dealList } from '../deals/deals.list';
import { leadList } from '../leads/leads.list';
import {
  ContactRef,
  REFERRAL_COLUMNS,
  REFERRAL_FROM,
  ReferralDto,
  ReferralRow,
  toReferral,
} from '../referrals/referrals.list';
import { AccountDetailDto, AccountMoneyDto, AccountProgramMoneyDto, AccountTotalsDto } from './account-detail.dto';
import { ACCOUNT_COLUMNS, ACCOUNT_FROM, AccountRow, toAccount } from './accounts.list';
import { clientAccountIds } from './link-keys';

interface MoneyRow extends ProgramRefRow {
  currency: string;
  records: number;
  amount: number;
}

interface BillingMoneyRow extends MoneyRow {
  refunded: boolean;
}

function moneyOf(billing: BillingMoneyRow[], rewards: MoneyRow[]): AccountMoneyDto {
  const paid = billing.filter((row) => !row.refunded);
  const count = (rows: MoneyRow[]) => rows.reduce((total, row) => total + row.records, 0);
  return {
    revenue: totalsByCurrency(paid),
    refunds: totalsByCurrency(billing.filter((row) => row.refunded)),
    rewards: totalsByCurrency(rewards),
    transactions: count(paid),
    rewardCount: count(rewards),
  };
}

function totalsOf(billing: BillingMoneyRow[], rewards: MoneyRow[]): AccountTotalsDto {
  const programs = new Map<string, ProgramRef | null>();
  for (const row of [...billing, ...rewards]) programs.set(row.program_id ?? '', programRef(row));
  const byProgram: AccountProgramMoneyDto[] = [...programs.entries()]
    .sort(([, left], [, right]) => (left?.externalKey ?? '').localeCompare(right?.externalKey ?? ''))
    .map(([key, program]) => ({
      program,
      ...moneyOf(
        billing.filter((row) => (row.program_id ?? '') === key),
        rewards.filter((row) => (row.program_id ?? '') === key),
      ),
    }));
  return { ...moneyOf(billing, rewards), byProgram };
}

/** Each contact once, sorted by e-mail. */
function uniqueContacts(contacts: Array<ContactRef | null>): ContactRef[] {
  const byId = new Map<string, ContactRef>();
  for (const contact of contacts) if (contact) byId.set(contact.id, contact);
  return [...byId.values()].sort((left, right) => left.email.localeCompare(right.email));
}

/** Referrals of the given accounts (`account`) or of one contact, newest first, removed ones included. */
export function referralsOf(
  database: ReportingDatabase,
  scope: TenantScope,
  link: 'account' | 'contact',
  ids: string[],
): Promise<ReferralRow[]> {
  const condition =
    link === 'account' ? sql`c.account_id = any(${ids}::uuid[])` : sql`c.contact_id = any(${ids}::uuid[])`;
  return database.many<ReferralRow>(
    scope,
    sql`select ${REFERRAL_COLUMNS}, '' as cursor_value from ${REFERRAL_FROM} where ${tenant('c')} and ${condition}
 order by coalesce(c.source_created_at, c.created_at) desc, c.id desc`,
  );
}

interface HistoryRow {
  account_id: string;
  from_client_account_id: string | null;
  to_client_account_id: string;
  matched_by: MatchedBy;
  match_keys: string[];
  changed_at: Date;
}

interface MemberRow {
  id: string;
  external_key: string;
  name: string | null;
  removed_upstream_at: Date | null;
}

@Injectable()
export class AccountsRepository {
  constructor(private readonly database: ReportingDatabase) {}

  /**
   * The client account `id` belongs to: its own, or, for a customer account matched into another's, that one's (an
   * id a merge made secondary keeps answering, with the client account's id in the body).
   */
  public async detail(scope: TenantScope, id: string): Promise<AccountDetailDto | undefined> {
    const client = await this.database.one<{ id: string }>(
      scope,
      sql`select coalesce(am.client_account_id, a.id) as id from ${table('account', 'a')}
 left join ${table('account_match', 'am')} on am.account_id = a.id and ${tenant('am')}
 where ${tenant('a')} and a.id = ${id}::uuid`,
    );
    if (!client) return undefined;
    const row = await this.database.one<AccountRow>(
      scope,
      sql`select ${ACCOUNT_COLUMNS}, '' as cursor_value from ${ACCOUNT_FROM} where ${tenant('a')} and a.id = ${client.id}::uuid`,
    );
    if (!row) return undefined;
    const memberRows = await this.database.many<MemberRow>(
      scope,
      sql`select x.id, x.external_key, x.name, x.removed_upstream_at from ${table('account', 'x')}
 where ${tenant('x')} and x.id = any(${clientAccountIds(sql`${client.id}::uuid`)}) order by x.external_key`,
    );
    const members = memberRows.map((member) => member.id);
    const [referralRows, deals, leads, history] = await Promise.all([
      referralsOf(this.database, scope, 'account', members),
      this.database.many<Parameters<typeof dealList.map>[0]>(
        scope,
        sql`select ${dealList.select}, '' as cursor_value from ${dealList.from} where ${dealList.scope}
 and d.account_id = any(${members}::uuid[]) order by coalesce(d.source_created_at, d.created_at) desc, d.id desc`,
      ),
      this.database.many<Parameters<typeof leadList.map>[0]>(
        scope,
        sql`select ${leadList.select}, '' as cursor_value from ${leadList.from} where ${leadList.scope}
 and l.account_id = any(${members}::uuid[]) order by coalesce(l.source_created_at, l.created_at) desc, l.id desc`,
      ),
      this.database.many<HistoryRow>(
        scope,
        sql`select h.account_id, h.from_client_account_id, h.to_client_account_id, h.matched_by, h.match_keys, h.changed_at
 from ${table('account_match_history', 'h')} where ${tenant('h')} and h.account_id = any(${members}::uuid[])
 order by h.changed_at, h.id`,
      ),
    ]);
    const referrals: ReferralDto[] = referralRows.map(toReferral);
    const account = toAccount(row);
    return {
      ...account,
      customerAccounts: memberRows.map((member) => ({
        id: member.id,
        externalKey: member.external_key,
        name: member.name,
        removedUpstreamAt: iso(member.removed_upstream_at),
      })),
      matchHistory: history.map((change) => ({
        accountId: change.account_id,
        fromClientAccountId: change.from_client_account_id,
        toClientAccountId: change.to_client_account_id,
        matchedBy: change.matched_by,
        matchKeys: change.match_keys,
        changedAt: iso(change.changed_at) as string,
      })),
      referrals,
      contacts: uniqueContacts([account.contact, ...referrals.map((referral) => referral.contact)]),
      totals: await this.totals(
        scope,
        referrals.map((referral) => referral.id),
      ),
      deals: deals.map(dealList.map),
      leads: leads.map(leadList.map),
    };
  }

  /** Money of the referrals' transactions and rewards PartnerStack still returns, per program and currency. */
  private async totals(scope: TenantScope, referralIds: string[]): Promise<AccountTotalsDto> {
    if (referralIds.length === 0) return totalsOf([], []);
    const [billing, rewards] = await Promise.all([
      this.database.many<BillingMoneyRow>(
        scope,
        sql`select ${PROGRAM_REF_COLUMNS}, t.refunded, t.currency, count(*) as records, sum(t.amount) as amount
 from ${table('billing_record', 't')}${programJoin('t')}
 where ${tenant('t')} and t.referral_id = any(${referralIds}::uuid[]) and t.removed_upstream_at is null
 group by 1, 2, 3, 4, 5 order by 5`,
      ),
      this.database.many<MoneyRow>(
        scope,
        sql`select ${PROGRAM_REF_COLUMNS}, r.currency, count(*) as records, sum(r.amount) as amount
 from ${table('reward', 'r')}${programJoin('r')}
 where ${tenant('r')} and r.referral_id = any(${referralIds}::uuid[]) and r.removed_upstream_at is null
 group by 1, 2, 3, 4 order by 4`,
      ),
    ]);
    return totalsOf(billing, rewards);
  }
}
