import { Injectable } from '@nestjs/common';

import { totalsByCurrency } from '../common/money';
import { ReportingDatabase } from '../database/reporting-database.service';
import { sql, tenant } from '../database/sql';
import { TenantScope } from '../database/tenant-scope';
import { aggregateRows } from '../reports/aggregate-filter';
import { ProgramDetailDto } from './program-detail.dto';
import { PROGRAM_COLUMNS, PROGRAM_FROM, ProgramRow, toProgram } from './programs.list';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Injectable()
export class ProgramsRepository {
  constructor(private readonly database: ReportingDatabase) {}

  public async detail(scope: TenantScope, id: string): Promise<ProgramDetailDto | undefined> {
    if (!UUID.test(id)) return undefined;
    const row = await this.database.one<ProgramRow>(
      scope,
      sql`select ${PROGRAM_COLUMNS}, '' as cursor_value from ${PROGRAM_FROM} where ${tenant('p')} and p.id = ${id}::uuid`,
    );
    if (!row) return undefined;
    const program = { programId: id };
    const [referrals, billing, rewards] = await Promise.all([
      this.database.one<{ records: number }>(
        scope,
        sql`select coalesce(sum(c.records), 0) as records from ${aggregateRows('referral', 'c', program)}`,
      ),
      this.database.many<{ refunded: boolean; currency: string; amount: number }>(
        scope,
        sql`select b.refunded, b.currency, sum(b.amount) as amount from ${aggregateRows('billing', 'b', program)}
 group by 1, 2 order by 2`,
      ),
      this.database.many<{ currency: string; amount: number }>(
        scope,
        sql`select w.currency, sum(w.amount) as amount from ${aggregateRows('reward', 'w', program)} group by 1 order by 1`,
      ),
    ]);
    return {
      ...toProgram(row),
      stats: {
        referrals: referrals?.records ?? 0,
        revenue: totalsByCurrency(billing.filter((entry) => !entry.refunded)),
        refunds: totalsByCurrency(billing.filter((entry) => entry.refunded)),
        rewards: totalsByCurrency(rewards),
      },
    };
  }
}
