'use strict';
// Docker HEALTHCHECK: the image has no curl, so node asks the app's own /health/live.
// PORT falls back to each app's default (contract.md), the same one its env schema uses.
const DEFAULT_PORTS = {
  credentials: 3001,
  reporting: 3002,
  sync: 3003,
  normalizer: 3004,
  'partnerstack-sandbox': 4010,
};
const port = process.env.PORT || DEFAULT_PORTS[process.env.APP];
fetch(`http://127.0.0.1:${port}/health/live`, { signal: AbortSignal.timeout(2500) }).then(
  (response) => process.exit(response.ok ? 0 : 1),
  () => process.exit(1),
);
