import { Injectable } from '@nestjs/common';

import { iso } from '../common/money';
import { programJoin } from '../common/program-ref';
import { ReportingDatabase } from '../database/reporting-database.service';
import { sql, table, tenant } from '../database/sql';
import { TenantScope } from '../database/tenant-scope';
import { REWARD_COLUMNS, RewardRow, toReward } from '../rewards/rewards.list';
import { toTransaction, TRANSACTION_COLUMNS, TransactionRow } from '../transactions/transactions.list';
import { ReferralDetailDto } from './referral-detail.dto';
import { REFERRAL_COLUMNS, REFERRAL_FROM, ReferralRow, toReferral } from './referrals.list';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Injectable()
export class ReferralsRepository {
  constructor(private readonly database: ReportingDatabase) {}

  /** The referral with its history, transactions and rewards (removed ones included: it is the full record). */
  public async detail(scope: TenantScope, id: string): Promise<ReferralDetailDto | undefined> {
    if (!UUID.test(id)) return undefined;
    const row = await this.database.one<ReferralRow>(
      scope,
      sql`select ${REFERRAL_COLUMNS}, '' as cursor_value from ${REFERRAL_FROM} where ${tenant('c')} and c.id = ${id}::uuid`,
    );
    if (!row) return undefined;
    const [history, transactions, rewards] = await Promise.all([
      this.database.many<{ field: string; from_value: string | null; to_value: string | null; source_time: Date }>(
        scope,
        sql`select h.field, h.from_value, h.to_value, h.source_time from ${table('status_history', 'h')}
 where ${tenant('h')} and h.entity_id = ${id}::uuid order by h.source_time, h.id`,
      ),
      this.database.many<TransactionRow>(
        scope,
        sql`select ${TRANSACTION_COLUMNS}, '' as cursor_value from ${table('billing_record', 't')}${programJoin('t')}
 where ${tenant('t')} and t.referral_id = ${id}::uuid order by coalesce(t.source_created_at, t.created_at) desc, t.id desc`,
      ),
      this.database.many<RewardRow>(
        scope,
        sql`select ${REWARD_COLUMNS}, '' as cursor_value from ${table('reward', 'r')}${programJoin('r')}
 where ${tenant('r')} and r.referral_id = ${id}::uuid order by coalesce(r.source_created_at, r.created_at) desc, r.id desc`,
      ),
    ]);
    return {
      ...toReferral(row),
      statusHistory: history.map((change) => ({
        field: change.field,
        from: change.from_value,
        to: change.to_value,
        at: iso(change.source_time) as string,
      })),
      transactions: transactions.map(toTransaction),
      rewards: rewards.map(toReward),
    };
  }
}
