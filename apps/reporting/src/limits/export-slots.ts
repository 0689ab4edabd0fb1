/**
 * CSV exports running per org in this process. An export holds a pooled connection and a snapshot for as long as
 * its client reads, so one org's many slow downloads would otherwise take the whole pool.
 */
export class ExportSlots {
  private readonly running = new Map<string, number>();

  constructor(private readonly perOrg: number) {}

  /** A release function (safe to call more than once), or undefined when the org already runs its maximum. */
  public tryAcquire(org: string): (() => void) | undefined {
    const count = this.running.get(org) ?? 0;
    if (count >= this.perOrg) return undefined;
    this.running.set(org, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const remaining = (this.running.get(org) ?? 1) - 1;
      if (remaining > 0) this.running.set(org, remaining);
      else this.running.delete(org);
    };
  }
}
