import { Counter, Gauge, Histogram, register } from 'prom-client';

function counter(name: string, help: string, labelNames: string[]): Counter<string> {
  return (register.getSingleMetric(name) as Counter<string> | undefined) ?? new Counter({ name, help, labelNames });
}

export const syncMetrics = {
  recordsFetched: counter('pp_sync_records_fetched_total', 'Records read from PartnerStack', ['stream']),
  recordsEmitted: counter('pp_sync_records_emitted_total', 'Raw record events published (new or changed)', ['stream']),
  recordsRemoved: counter('pp_sync_records_removed_total', 'Removal events published', ['stream']),
  apiCalls: counter('pp_sync_api_calls_total', 'PartnerStack requests made, by status', ['stream', 'status']),
  rateLimited: counter('pp_sync_rate_limited_total', 'PartnerStack 429 answers', ['stream']),
  runs: counter('pp_sync_runs_total', 'Finished sync runs by status', ['status', 'mode']),
  runSeconds:
    (register.getSingleMetric('pp_sync_run_duration_seconds') as Histogram<string> | undefined) ??
    new Histogram({
      name: 'pp_sync_run_duration_seconds',
      help: 'Wall time of finished sync runs',
      labelNames: ['status', 'mode'],
      buckets: [1, 5, 15, 60, 300, 900, 3600, 14400],
    }),
};

/** Lag since the last successful sync per org; values come from PostgreSQL at scrape time. */
export function lagGauge(collect: () => Promise<{ tenantId: string; lagSeconds: number }[]>): Gauge<string> {
  const existing = register.getSingleMetric('pp_sync_lag_seconds') as Gauge<string> | undefined;
  if (existing) return existing;
  return new Gauge({
    name: 'pp_sync_lag_seconds',
    help: 'Seconds since the last successful sync of each connected org',
    labelNames: ['tenant'],
    async collect() {
      this.reset();
      for (const { tenantId, lagSeconds } of await collect().catch(() => []))
        this.set({ tenant: tenantId }, lagSeconds);
    },
  });
}
