import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';

import { describeError } from '@pp/common';

/** Below this many rows written since the last ANALYZE, a table's statistics are left to autovacuum. */
const MIN_ROWS_BETWEEN_ANALYZES = 2_000;

interface TableState {
  writtenSinceAnalyze: number;
  /** Rows the table held at its last ANALYZE (pg_class.reltuples), or 0 before the first. */
  rowsAtAnalyze: number;
  running?: Promise<void>;
}

/** `analyze domain.<table>` only ever names a table the normalizer writes. */
const TABLE_NAME = /^[a-z_]+$/;

/**
 * Keeps the planner's statistics of the normalized tables in step with a first sync. Autovacuum analyzes a table
 * at most once a minute and only after 10 % of it changed, so while a sync fills empty tables the planner believes
 * they hold a few rows and picks nested loops over the wrong index: the late-link statements took seconds per batch
 * at 20,000 rewards. Each table is analyzed (in the background; ANALYZE never blocks writes) whenever the rows
 * written to it since its last ANALYZE reach what it held then, so about log2(size) times while it grows, and never
 * once it stops growing.
 */
@Injectable()
export class TableStatistics implements OnApplicationShutdown {
  private readonly logger = new Logger(TableStatistics.name);
  private readonly tables = new Map<string, TableState>();

  constructor(private readonly em: EntityManager) {}

  public noteWrites(rowsByTable: ReadonlyMap<string, number>): void {
    for (const [table, rows] of rowsByTable) {
      if (!TABLE_NAME.test(table)) continue;
      const state =
        this.tables.get(table) ?? this.tables.set(table, { writtenSinceAnalyze: 0, rowsAtAnalyze: 0 }).get(table)!;
      state.writtenSinceAnalyze += rows;
      if (!state.running && state.writtenSinceAnalyze >= Math.max(MIN_ROWS_BETWEEN_ANALYZES, state.rowsAtAnalyze)) {
        state.writtenSinceAnalyze = 0;
        state.running = this.analyze(table, state).finally(() => (state.running = undefined));
      }
    }
  }

  private async analyze(table: string, state: TableState): Promise<void> {
    const knex = this.em.getConnection().getKnex();
    try {
      await knex.raw(`analyze domain.${table}`);
      const { rows } = (await knex.raw(`select reltuples from pg_class where oid = ?::regclass`, [
        `domain.${table}`,
      ])) as { rows: { reltuples: number }[] };
      state.rowsAtAnalyze = Math.max(0, Number(rows[0]?.reltuples ?? 0));
    } catch (error) {
      // Statistics are an optimisation: autovacuum still catches up; the next writes try again.
      this.logger.warn(`ANALYZE of domain.${table} failed: ${describeError(error)}`);
    }
  }

  /** Lets an ANALYZE in flight finish before the pool closes. */
  public async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.tables.values()].map((state) => state.running));
  }
}
