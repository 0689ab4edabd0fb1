import { Counter, Histogram, register } from 'prom-client';

function counter(name: string, help: string, labelNames: string[]): Counter<string> {
  return (register.getSingleMetric(name) as Counter<string> | undefined) ?? new Counter({ name, help, labelNames });
}

function histogram(name: string, help: string, buckets: number[]): Histogram<string> {
  return (register.getSingleMetric(name) as Histogram<string> | undefined) ?? new Histogram({ name, help, buckets });
}

export const normalizerMetrics = {
  records: counter('pp_normalizer_records_total', 'Raw messages handled by the normalizer, by outcome', ['outcome']),
  batchSeconds: histogram(
    'pp_normalizer_batch_seconds',
    'Time to map and commit one batch',
    [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
  ),
  aggregateRefreshes: counter('pp_normalizer_aggregate_refreshes_total', 'Report aggregate refreshes', ['outcome']),
};
