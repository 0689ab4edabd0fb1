import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';

import { DEVELOPMENT_JWT_SECRET } from '@pp/config';

import { waitFor } from './wait-for';

export type AppName = 'credentials' | 'sync' | 'normalizer' | 'reporting' | 'partnerstack-sandbox';

/** The repository root (the first directory upwards holding package.json), whether run from src or dist. */
export function repositoryRoot(from = __dirname): string {
  let directory = from;
  while (!existsSync(join(directory, 'package.json'))) {
    const parent = dirname(directory);
    if (parent === directory) throw new Error(`No package.json above ${from}`);
    directory = parent;
  }
  return directory;
}

/** A port nobody listens on right now (the apps refuse PORT=0, so the harness picks one for them). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface ServiceProcessOptions {
  app: AppName;
  /** Names the process in errors and log captures (e.g. `sync-worker-2`); defaults to the app. */
  name?: string;
  env?: Record<string, string | undefined>;
  /** How long `/health/ready` may take to answer 200 after each start. */
  readyTimeoutMs?: number;
  /** Captured output lines kept (oldest dropped first). */
  maxLines?: number;
}

/** A log line of the child: parsed JSON when it is one (pino), the raw text otherwise. */
export interface CapturedLine {
  stream: 'stdout' | 'stderr';
  text: string;
  json?: Record<string, unknown>;
}

/**
 * One service as its own OS process (`node dist/apps/<app>/main.js`, so `npm run build` must have run), on a port
 * of its own, with every output line captured. It can be killed like a crashed pod and started again on the same
 * port and environment.
 */
export class ServiceProcess {
  public readonly name: string;
  public readonly lines: CapturedLine[] = [];
  private child?: ChildProcess;
  private exited?: Promise<number | null>;

  private constructor(
    private readonly options: ServiceProcessOptions,
    public readonly port: number,
  ) {
    this.name = options.name ?? options.app;
  }

  public static async start(options: ServiceProcessOptions): Promise<ServiceProcess> {
    const service = new ServiceProcess(options, await freePort());
    await service.start();
    return service;
  }

  public get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  public get pid(): number | undefined {
    return this.child?.pid;
  }

  public get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the process (again, after a kill) and resolves when `/health/ready` answers 200. */
  public async start(): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running`);
    const root = repositoryRoot();
    const entry = join(root, 'dist', 'apps', this.options.app, 'main.js');
    if (!existsSync(entry)) throw new Error(`${entry} is missing: run npm run build first`);
    const child = spawn(process.execPath, [entry], {
      cwd: root,
      env: { ...process.env, ...this.options.env, PORT: String(this.port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    for (const stream of ['stdout', 'stderr'] as const) {
      createInterface({ input: child[stream]! }).on('line', (text) => this.capture(stream, text));
    }
    try {
      await waitFor(
        async () => {
          if (!this.running) throw new Error(`exited: ${this.tail(5)}`);
          const response = await fetch(`${this.url}/health/ready`, { signal: AbortSignal.timeout(2_000) });
          return response.status === 200;
        },
        { timeoutMs: this.options.readyTimeoutMs ?? 30_000, intervalMs: 100, description: `${this.name} ready` },
      );
    } catch (error) {
      await this.kill();
      throw error;
    }
  }

  /** Sends the signal and resolves once the process is gone. SIGKILL is a crash: nothing is flushed or acked. */
  public async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.running) return;
    this.child!.kill(signal);
    await this.exited;
  }

  /** A graceful stop (SIGTERM), escalating to SIGKILL after `graceMs`. */
  public async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  public async restart(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.kill(signal);
    await this.start();
  }

  /** Parsed JSON log lines (pino), e.g. to find a line with a given `msg` or `level`. */
  public jsonLines(): Array<Record<string, unknown>> {
    return this.lines.flatMap((line) => (line.json ? [line.json] : []));
  }

  /** Resolves with the first captured line (past or future) that satisfies `predicate`. */
  public async waitForLine(
    predicate: (line: CapturedLine) => boolean,
    { timeoutMs = 30_000, description = 'a log line' } = {},
  ): Promise<CapturedLine> {
    return waitFor(() => this.lines.find(predicate), { timeoutMs, description: `${this.name}: ${description}` });
  }

  /** The last captured lines, for failure messages. */
  public tail(count = 20): string {
    return this.lines
      .slice(-count)
      .map((line) => line.text)
      .join('\n');
  }

  private capture(stream: CapturedLine['stream'], text: string): void {
    let json: Record<string, unknown> | undefined;
    if (text.startsWith('{')) {
      try {
        json = JSON.parse(text) as Record<string, unknown>;
      } catch {
        json = undefined;
      }
    }
    this.lines.push({ stream, text, json });
    const max = this.options.maxLines ?? 20_000;
    if (this.lines.length > max) this.lines.splice(0, this.lines.length - max);
  }
}

export interface StartSystemOptions {
  databaseUrl: string;
  amqpUrl: string;
  /** The sandbox's (or PartnerStack's) `/api/v2` base. */
  partnerstackApiUrl: string;
  jwtSecret?: string;
  /** Sync worker processes beside the scheduler (default 1). */
  syncWorkers?: number;
  /** Variables for every service (e.g. LOG_LEVEL), then per app. */
  env?: Record<string, string | undefined>;
  envByApp?: Partial<Record<Exclude<AppName, 'partnerstack-sandbox'>, Record<string, string | undefined>>>;
  readyTimeoutMs?: number;
}

/** Every service of the product, each its own process: credentials, sync scheduler, sync workers, normalizer, reporting. */
export interface RunningSystem {
  credentials: ServiceProcess;
  scheduler: ServiceProcess;
  workers: ServiceProcess[];
  normalizer: ServiceProcess;
  reporting: ServiceProcess;
  jwtSecret: string;
  all(): ServiceProcess[];
  /** Another sync worker process (e.g. to take over from a killed one). */
  addWorker(): Promise<ServiceProcess>;
  stop(): Promise<void>;
}

/** The V8 settings the deployed containers run with (deploy/base/*.yaml), so a local system behaves as they do. */
export const DEPLOYED_NODE_OPTIONS = {
  normalizer: '--max-semi-space-size=32',
  syncWorker: '--max-old-space-size=128',
} as const;

export async function startSystem(options: StartSystemOptions): Promise<RunningSystem> {
  const jwtSecret = options.jwtSecret ?? DEVELOPMENT_JWT_SECRET;
  const shared = {
    DATABASE_URL: options.databaseUrl,
    AMQP_URL: options.amqpUrl,
    PARTNERSTACK_API_URL: options.partnerstackApiUrl,
    JWT_SECRET: jwtSecret,
    ...options.env,
  };
  const envFor = (
    app: Exclude<AppName, 'partnerstack-sandbox'>,
    extra: Record<string, string> = {},
    defaults: Record<string, string> = {},
  ) => ({
    ...shared,
    ...defaults,
    ...options.envByApp?.[app],
    ...extra,
  });
  const readyTimeoutMs = options.readyTimeoutMs;
  const started: ServiceProcess[] = [];
  const launch = async (processOptions: ServiceProcessOptions) => {
    const service = await ServiceProcess.start({ readyTimeoutMs, ...processOptions });
    started.push(service);
    return service;
  };
  let workerCount = 0;
  const addWorker = () =>
    launch({
      app: 'sync',
      name: `sync-worker-${++workerCount}`,
      env: envFor('sync', { SYNC_ROLE: 'worker' }, { NODE_OPTIONS: DEPLOYED_NODE_OPTIONS.syncWorker }),
    });
  try {
    // Nothing is published before the caller connects a token, so every queue exists by then.
    const [normalizer, reporting, credentials, scheduler, ...workers] = await Promise.all([
      launch({ app: 'normalizer', env: envFor('normalizer', {}, { NODE_OPTIONS: DEPLOYED_NODE_OPTIONS.normalizer }) }),
      launch({ app: 'reporting', env: envFor('reporting') }),
      launch({ app: 'credentials', env: envFor('credentials') }),
      launch({ app: 'sync', name: 'sync-scheduler', env: envFor('sync', { SYNC_ROLE: 'scheduler' }) }),
      ...Array.from({ length: options.syncWorkers ?? 1 }, () => addWorker()),
    ]);
    return {
      credentials,
      scheduler,
      workers,
      normalizer,
      reporting,
      jwtSecret,
      all: () => [...started],
      addWorker: async () => {
        const worker = await addWorker();
        workers.push(worker);
        return worker;
      },
      stop: () => stopAll(started),
    };
  } catch (error) {
    await stopAll(started);
    throw error;
  }
}

async function stopAll(services: ServiceProcess[]): Promise<void> {
  await Promise.all(services.map((service) => service.stop(5_000)));
}
