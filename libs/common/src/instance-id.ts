import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * Names a lease holder or worker: host and pid say where it runs, and the random suffix keeps two holders in one
 * process, or a restarted process that got the same pid, from passing for each other.
 */
export function newInstanceId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}
