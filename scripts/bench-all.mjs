// npm run bench: builds, then runs the end-to-end benchmark (bench:e2e, first: the figure the issue asks for),
// every area's (bench:sync, bench:normalizer, bench:reporting) and the fleet (bench:fleet) one after the other, prints their output, and writes
// docs/benchmarks.md with this run's figures, the baselines and targets each area documents (its "Benchmark"
// section in docs/<area>.md), and the machine. A benchmark that is missing or fails is reported as such; the
// others still run. Never part of CI gating. BENCH_ONLY=e2e,sync runs a subset.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const only = process.env.BENCH_ONLY ? process.env.BENCH_ONLY.split(',').map((name) => name.trim()) : undefined;

const areas = [
  {
    name: 'e2e',
    script: 'bench:e2e',
    doc: undefined,
    what: 'connect to fully reported, >= 500,000 records, every service its own process',
  },
  {
    name: 'sync',
    script: 'bench:sync',
    doc: 'docs/sync.md',
    what: 'first sync, incremental (no change, one day of change), warm pass, full reconcile and a day, on a 500,000-record agency',
  },
  {
    name: 'normalizer',
    script: 'bench:normalizer',
    doc: 'docs/normalizer.md',
    what: '200,000 raw events normalized vs. plain batched upserts',
  },
  {
    name: 'reporting',
    script: 'bench:reporting',
    doc: 'docs/reporting.md',
    what: 'endpoint latency on a 1,000,000-billing-record agency',
  },
  {
    name: 'fleet',
    script: 'bench:fleet',
    doc: 'docs/capacity.md',
    what: '200 agencies (~600,000 records) connected within a minute on one deployment; footprint, steady state',
  },
].filter((area) => !only || only.includes(area.name));

const shell = (command) => {
  try {
    return execFileSync('bash', ['-c', command], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
};

function machine() {
  return {
    date: new Date().toISOString(),
    nproc: shell('nproc'),
    cpu: cpus()[0]?.model ?? 'unknown',
    memory: shell('free -h | awk \'/^Mem:/ {print $2 " total, " $7 " available"}\''),
    node: process.version,
    postgres: shell("psql -h 127.0.0.1 -U postgres -tAc 'show server_version' 2>/dev/null || echo unknown"),
    rabbitmq: shell('rabbitmqctl -q version 2>/dev/null || echo unknown'),
    kernel: shell('uname -sr'),
  };
}

/** Runs one npm script, echoing its output live, and resolves with its exit code, duration and output. */
function runScript(script) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn('npm', ['run', '--silent', script], { cwd: root, env: process.env });
    let output = '';
    for (const stream of [child.stdout, child.stderr]) {
      stream.on('data', (chunk) => {
        output += chunk;
        process.stdout.write(chunk);
      });
    }
    child.on('close', (code) => resolve({ code, seconds: (Date.now() - started) / 1000, output }));
  });
}

/** The documented figures of an area: its "## Benchmark…" section, up to the next "## " heading. */
function documentedSection(doc) {
  const path = join(root, doc);
  if (!existsSync(path)) return undefined;
  const text = readFileSync(path, 'utf8');
  const start = text.search(/^## Benchmark/m);
  if (start < 0) return undefined;
  const rest = text.slice(start);
  const end = rest.slice(3).search(/^## /m);
  return (end < 0 ? rest : rest.slice(0, end + 3))
    .replace(/^## /, '### ')
    .replace(/^### (?!Benchmark)/gm, '#### ')
    .trim();
}

const ANSI_COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
const stripAnsi = (text) => text.replace(ANSI_COLOUR, '');
const tail = (text, lines) => stripAnsi(text).trim().split('\n').slice(-lines).join('\n');

// Each benchmark's output is kept (dist/ is not versioned), so BENCH_ASSEMBLE_ONLY=1 rewrites the report from the
// last runs without running anything again.
const savedDir = join(root, 'dist', 'bench-results');
const savedPath = (area) => join(savedDir, `${area.name}.json`);

function loadSaved(area) {
  if (!existsSync(savedPath(area))) return { ...area, notRun: true };
  return { ...area, ...JSON.parse(readFileSync(savedPath(area), 'utf8')) };
}

async function main() {
  const assembleOnly = process.env.BENCH_ASSEMBLE_ONLY === '1';
  if (!assembleOnly) {
    console.log('bench: building');
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  }
  const results = [];
  for (const area of areas) {
    if (!pkg.scripts[area.script]) {
      console.log(`bench: ${area.script} is not defined in package.json: skipped`);
      results.push({ ...area, skipped: true });
      continue;
    }
    if (assembleOnly) {
      results.push(loadSaved(area));
      continue;
    }
    console.log(`\nbench: npm run ${area.script}`);
    const run = await runScript(area.script);
    console.log(
      `bench: ${area.script} ${run.code === 0 ? 'finished' : `FAILED (exit ${run.code})`} in ${run.seconds.toFixed(0)} s`,
    );
    mkdirSync(savedDir, { recursive: true });
    writeFileSync(savedPath(area), JSON.stringify({ ...run, finishedAt: new Date().toISOString() }));
    results.push({ ...area, ...run });
    writeReport([...results, ...areas.slice(results.length).map((rest) => ({ ...rest, pending: true }))]);
  }
  writeReport(results);
  console.log('\nbench: wrote docs/benchmarks.md');
  for (const result of results) {
    const outcome = result.skipped
      ? 'skipped'
      : result.notRun
        ? 'no saved run'
        : result.code === 0
          ? 'ok'
          : `failed (${result.code})`;
    console.log(
      `  ${result.script.padEnd(18)} ${outcome}${result.seconds ? ` in ${result.seconds.toFixed(0)} s` : ''}`,
    );
  }
}

function writeReport(results) {
  const e2eRun = results.find((result) => result.name === 'e2e' && result.output);
  const e2eLine = e2eRun?.output.split('\n').find((line) => line.startsWith('BENCH_E2E_RESULT '));
  const e2e = e2eLine ? JSON.parse(e2eLine.slice('BENCH_E2E_RESULT '.length)) : undefined;
  const host = machine();

  const lines = [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (`scripts/bench-all.mjs`), which builds, then runs `bench:e2e`, `bench:sync`,',
    '`bench:normalizer`, `bench:reporting` and `bench:fleet` one after the other (`BENCH_ONLY=e2e,sync` for a subset;',
    '`BENCH_ASSEMBLE_ONLY=1` rewrites this file from the last saved runs in `dist/bench-results/`). Benchmarks never',
    'gate CI. Each area keeps its method, baseline and analysis in its own notes; they are repeated below beside this',
    "run's output.",
    '',
    'The capacity model to 10,000 agencies, built from the measured unit costs of these runs (mostly `bench:fleet`),',
    'is in [docs/capacity.md](capacity.md).',
    '',
    `## Machine${process.env.BENCH_ASSEMBLE_ONLY === '1' ? " (where the report was assembled; each run's own time is below)" : ''}`,
    '',
    `| date | nproc | CPU | memory (free -h) | node | PostgreSQL | RabbitMQ | kernel |`,
    `| --- | --- | --- | --- | --- | --- | --- | --- |`,
    `| ${host.date} | ${host.nproc} | ${host.cpu} | ${host.memory} | ${host.node} | ${host.postgres} | ${host.rabbitmq} | ${host.kernel} |`,
    '',
    "A shared development machine: other engineers' builds and tests may have run alongside, so figures are",
    'conservative.',
    '',
    '## This run',
    '',
    '| benchmark | what | result | wall time |',
    '| --- | --- | --- | --- |',
    ...results.map((result) => {
      const outcome = result.pending
        ? 'not finished yet'
        : result.notRun
          ? 'not run (no saved output)'
          : result.skipped
            ? 'skipped (script missing)'
            : result.code === 0
              ? 'finished'
              : `failed (exit ${result.code})`;
      const time = result.seconds === undefined ? '-' : `${result.seconds.toFixed(0)} s`;
      return `| \`npm run ${result.script}\` | ${result.what} | ${outcome} | ${time} |`;
    }),
    '',
    '## End to end: connect to fully reported',
    '',
  ];
  if (e2e) {
    lines.push(
      "From the credentials `PUT /v1/integrations/partnerstack` until reporting's `/v1/summary` equals the sandbox's",
      'ground truth (programs, referrals, revenue and refunds per currency, rewards by status and payment status,',
      'payouts: the same comparison as the end-to-end suite), with the sandbox, credentials, sync scheduler, one sync',
      'worker, normalizer and reporting each in its own process against local PostgreSQL and RabbitMQ.',
      '',
      '| records served | pace (requests/min per token) | sync finished | fully reported | throughput | target | met |',
      '| ---: | ---: | ---: | ---: | ---: | ---: | --- |',
      `| ${e2e.records.toLocaleString('en-US')} | ${e2e.requestsPerMinute} | ${e2e.syncSeconds} s | **${e2e.reportedSeconds} s** | ${e2e.recordsPerSecond.toLocaleString('en-US')} rec/s | < ${e2e.targetSeconds} s | ${e2e.metTarget ? 'yes' : '**no**'} |`,
      '',
      `Baseline: the sync alone cannot be faster than ${Math.ceil(e2e.records / 250).toLocaleString('en-US')} pages of 250 at the pace above`,
      `(${((Math.ceil(e2e.records / 250) / e2e.requestsPerMinute) * 60).toFixed(0)} s); the normalizer's own figure is below.`,
    );
  } else {
    lines.push('No figure in this run (see the table above and the output below).');
  }
  for (const result of results) {
    lines.push('', `## ${result.name}: \`npm run ${result.script}\``, '');
    const section = result.doc ? documentedSection(result.doc) : undefined;
    if (section) lines.push(`Documented in \`${result.doc}\`:`, '', section, '');
    if (result.output) {
      lines.push('Output of this run (last lines):', '', '```', tail(result.output, 40), '```');
    } else if (result.pending || result.notRun) {
      lines.push("Not run in this report; the documented figures above are the area's last measurement.");
    } else if (result.skipped) {
      lines.push(`\`${result.script}\` is not defined in package.json; skipped.`);
    }
  }
  writeFileSync(join(root, 'docs', 'benchmarks.md'), `${lines.join('\n')}\n`);
  if (e2e) {
    console.log(
      `bench: end to end: ${e2e.records} records fully reported in ${e2e.reportedSeconds} s (target < ${e2e.targetSeconds} s)`,
    );
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
