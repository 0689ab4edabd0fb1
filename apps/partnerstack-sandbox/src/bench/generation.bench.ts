import { Agency } from '../agencies/agency';
import { computeGroundTruth } from '../agencies/ground-truth';
import { parseListQuery } from '../api/list-query';
import { seedFrom } from '../generation/prng';

/**
 * Generation budget check: `node dist/apps/partnerstack-sandbox/src/bench/generation.bench.js [records]`
 * generates one agency (default 1,000,000 records), then its ground truth and a deep page, and prints
 * durations and memory as JSON. Budget: under 30 s per million records.
 */
function main(): void {
  const records = Number(process.argv[2] ?? 1_000_000);
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  const agency = new Agency(
    'bench',
    seedFrom('partnerstack-sandbox:sandbox_bench'),
    { records, daysAdvanced: 0, dealsVisible: null, leadsVisible: null, faults: {}, postbackUrl: null },
    { clockStart: Date.parse('2026-06-01T00:00:00Z'), historyDays: 365 },
  );
  const generatedMs = performance.now() - started;
  const generatedRecords = agency.data.recordCount();
  const typedArrayMb = Math.round(agency.data.bytes() / 1_048_576);
  const memory = process.memoryUsage();
  const truthStarted = performance.now();
  const truth = computeGroundTruth(agency, { deals: true, leads: true });
  const groundTruthMs = performance.now() - truthStarted;
  const pageStarted = performance.now();
  const first = agency.list('rewards', parseListQuery('rewards', { limit: '250' }));
  const deep = agency.list(
    'rewards',
    parseListQuery('rewards', { limit: '250', starting_after: first.items[first.items.length - 1].key }),
  );
  const pageMs = performance.now() - pageStarted;
  const advanceStarted = performance.now();
  agency.advance(30);
  const advanceMs = performance.now() - advanceStarted;
  process.stdout.write(
    `${JSON.stringify(
      {
        requestedRecords: records,
        generatedRecords,
        generationMs: Math.round(generatedMs),
        msPerMillionRecords: Math.round((generatedMs / generatedRecords) * 1_000_000),
        typedArrayMb,
        heapGrowthMb: Math.round((memory.heapUsed - heapBefore) / 1_048_576),
        rssGrowthMb: Math.round((memory.rss - rssBefore) / 1_048_576),
        groundTruthMs: Math.round(groundTruthMs),
        twoPagesOf250Ms: Math.round(pageMs),
        advance30DaysMs: Math.round(advanceMs),
        recordsAfterAdvance: agency.data.recordCount(),
        streams: Object.fromEntries(Object.entries(truth.streams).map(([name, value]) => [name, value.count])),
        deepPageItems: deep.items.length,
      },
      null,
      2,
    )}\n`,
  );
}

main();
