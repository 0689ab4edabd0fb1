import { ApiProperty } from '@nestjs/swagger';

import { raw, Sql, sql, table, tenant } from '../database/sql';

/** The program a record belongs to, as listed by /v1/programs. */
export class ProgramRef {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ description: "PartnerStack's partnership key" })
  externalKey!: string;

  @ApiProperty({ nullable: true, type: String })
  name!: string | null;
}

export interface ProgramRefRow {
  program_id: string | null;
  program_external_key: string | null;
  program_name: string | null;
}

/** Joins the partnership (our "program") and its vendor program for `<alias>.partnership_id`. */
export function programJoin(alias: string): Sql {
  return sql` left join ${table('partnership', 'pp')} on pp.id = ${raw(alias)}.partnership_id and ${tenant('pp')}
 left join ${table('program', 'pg')} on pg.id = pp.program_id and ${tenant('pg')}`;
}

export const PROGRAM_REF_COLUMNS = sql`pp.id as program_id, pp.external_key as program_external_key,
 coalesce(pg.name, pp.raw #>> '{company,name}') as program_name`;

export function programRef(row: ProgramRefRow): ProgramRef | null {
  return row.program_id
    ? { id: row.program_id, externalKey: row.program_external_key ?? '', name: row.program_name }
    : null;
}
