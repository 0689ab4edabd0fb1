import { Counter, Histogram, register } from 'prom-client';

function counter(name: string, help: string, labelNames: string[]): Counter<string> {
  return (register.getSingleMetric(name) as Counter<string> | undefined) ?? new Counter({ name, help, labelNames });
}

function histogram(name: string, help: string, buckets: number[], labelNames: string[] = []): Histogram<string> {
  return (
    (register.getSingleMetric(name) as Histogram<string> | undefined) ??
    new Histogram({ name, help, buckets, labelNames })
  );
}

export const normalizerMetrics = {
  records: counter('pp_normalizer_records_total', 'Raw messages handled by the normalizer, by outcome', ['outcome']),
  batchSeconds: histogram(
    'pp_normalizer_batch_seconds',
    'Time to map and commit one batch',
    [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
  ),
  /** Where a batch's transaction spends its time, so a slower normalizer names the step that got slower. */
  writeStepSeconds: histogram(
    'pp_normalizer_write_step_seconds',
    "Time spent in one step of writing a batch (or refreshing a tenant's aggregates)",
    [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
    ['step'],
  ),
  aggregateRefreshes: counter('pp_normalizer_aggregate_refreshes_total', 'Report aggregate refreshes', ['outcome']),
};

export type WriteStep =
  | 'upserts'
  | 'removals'
  | 'links'
  | 'account_matching'
  | 'status_history'
  | 'insights'
  | 'missed_reward_insights'
  | 'aggregate_refresh';

export async function timedStep<T>(step: WriteStep, work: () => Promise<T>): Promise<T> {
  const stop = normalizerMetrics.writeStepSeconds.startTimer({ step });
  try {
    return await work();
  } finally {
    stop();
  }
}
