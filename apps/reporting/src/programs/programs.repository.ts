import { Injectable } from '@nestjs/common';

import { totalsByCurrency } from '../common/money';
import { ReportingDatabase } from '../database/reporting-database.service';
import { sql, table, tenant } from '../database/sql';
import { TenantScope } from '../database/tenant-scope';
import { aggregateRows } from '../reports/aggregate-filter';
import { ProgramDetailDto } from './program-detail.dto';
import { OfferVersionDto, ProgramOffersDto } from './program-offers.dto';
import { PROGRAM_COLUMNS, PROGRAM_FROM, ProgramRow, toProgram } from './programs.list';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface OfferRow {
  id: string;
  offer_key: string | null;
  kind: OfferVersionDto['kind'];
  source_type: string | null;
  rate: string | null;
  currency: string | null;
  description: string | null;
  position: number;
  valid_from: Date;
  offer_created_at: Date | null;
  valid_to: Date | null;
  first_seen_at: Date;
}

function toOffer(row: OfferRow): OfferVersionDto {
  return {
    id: row.id,
    offerKey: row.offer_key,
    kind: row.kind,
    sourceType: row.source_type,
    rate: row.rate === null ? null : Number(row.rate),
    currency: row.currency,
    description: row.description,
    position: row.position,
    validFrom: row.valid_from.toISOString(),
    validFromBasis:
      row.offer_created_at !== null && row.offer_created_at.getTime() === row.valid_from.getTime()
        ? 'offer_created_at'
        : 'first_version',
    validTo: row.valid_to?.toISOString() ?? null,
    inForce: row.valid_to === null,
    firstSeenAt: row.first_seen_at.toISOString(),
  };
}

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

  /** The program's offer history, oldest first; undefined when the organisation has no such program. */
  public async offers(scope: TenantScope, id: string): Promise<ProgramOffersDto | undefined> {
    if (!UUID.test(id)) return undefined;
    const program = await this.database.one<{ id: string }>(
      scope,
      sql`select p.id from ${table('partnership', 'p')} where ${tenant('p')} and p.id = ${id}::uuid`,
    );
    if (!program) return undefined;
    const rows = await this.database.many<OfferRow>(
      scope,
      sql`select cr.id, cr.offer_key, cr.kind, cr.source_type, cr.rate, cr.currency, cr.description, cr.position,
 cr.valid_from, cr.offer_created_at, cr.valid_to, cr.first_seen_at
 from ${table('commission_rule', 'cr')} where ${tenant('cr')} and cr.partnership_id = ${id}::uuid
 order by cr.valid_from, cr.position, cr.id`,
    );
    return { programId: id, offers: rows.map(toOffer) };
  }
}
