import { BadRequestException, Injectable } from '@nestjs/common';

import { ReportingDatabase } from '../database/reporting-database.service';
import { sql, table, tenant } from '../database/sql';
import { TenantScope } from '../database/tenant-scope';
import { SYNC_RUN_COLUMNS, SyncRunDto, SyncRunRow, toSyncRun } from './sync-runs.list';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Sync run ids are ours (uuids) or the sync service's; neither holds spaces or control characters. */
const RUN_ID = /^[^\p{C}\p{Z}]{1,200}$/u;

@Injectable()
export class SyncRunsRepository {
  constructor(private readonly database: ReportingDatabase) {}

  /** The run by our id or by the sync service's run id (`POST /v1/integrations/partnerstack/sync` answers that one). */
  public async detail(scope: TenantScope, id: string): Promise<SyncRunDto | undefined> {
    if (!RUN_ID.test(id)) throw new BadRequestException('id must be a sync run id: 1 to 200 visible characters');
    const match = UUID.test(id) ? sql`(s.id = ${id}::uuid or s.external_key = ${id})` : sql`s.external_key = ${id}`;
    // Our ids are derived from (tenant, run id), so both matching one input is not expected; ours would win.
    const row = await this.database.one<SyncRunRow>(
      scope,
      sql`select ${SYNC_RUN_COLUMNS}, '' as cursor_value from ${table('sync_run', 's')}
 where ${tenant('s')} and ${match} order by (s.external_key = ${id}) limit 1`,
    );
    return row && toSyncRun(row);
  }
}
