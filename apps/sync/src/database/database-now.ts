import { raw } from '@mikro-orm/core';

/**
 * The database's clock for a column a statement sets, as its defaults and the scheduler's `now()` comparisons use:
 * one clock for every timestamp the sync tables compare.
 */
export function databaseNow(): Date {
  return raw('now()');
}
