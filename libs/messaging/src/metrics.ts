import { Counter, Histogram, register } from 'prom-client';

function counter(name: string, help: string, labelNames: string[]): Counter<string> {
  return (register.getSingleMetric(name) as Counter<string> | undefined) ?? new Counter({ name, help, labelNames });
}

function histogram(name: string, help: string, labelNames: string[], buckets: number[]): Histogram<string> {
  return (
    (register.getSingleMetric(name) as Histogram<string> | undefined) ??
    new Histogram({ name, help, labelNames, buckets })
  );
}

export const messagingMetrics = {
  published: counter('pp_messages_published_total', 'Messages confirmed by the broker', ['routing_key']),
  consumed: counter('pp_messages_consumed_total', 'Messages handled, by outcome', ['queue', 'outcome']),
  handlerSeconds: histogram(
    'pp_message_handler_seconds',
    'Handler time per message or batch',
    ['queue'],
    [0.001, 0.005, 0.02, 0.1, 0.5, 2, 10, 60],
  ),
};
