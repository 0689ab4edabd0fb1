import { Counter, register } from 'prom-client';

function counter(name: string, help: string): Counter<'outcome'> {
  return (
    (register.getSingleMetric(name) as Counter<'outcome'> | undefined) ??
    new Counter({ name, help, labelNames: ['outcome'] })
  );
}

export const handoffMetrics = {
  served: counter('pp_token_handoff_served_total', 'Token hand-off requests answered by the credentials service'),
  fetched: counter('pp_token_handoff_fetch_total', 'Token hand-off fetches made by clients, by outcome'),
};
