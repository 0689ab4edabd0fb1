import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

/** Calls of one run per stream and query kind, read from the worker's per-page log lines. */
export type PhaseCalls = Record<string, Record<string, number>>;

/**
 * The kind of query a phase label names (stream-plan.ts): one customer's or one creation instant's read-back is one
 * query each, so they are summed per kind rather than listed.
 */
export function phaseKind(label: string): string {
  if (label.startsWith('open-payment:')) return 'payment-sweep';
  if (label.startsWith('open:')) return 'sweep';
  if (label.startsWith('readback:customer:')) return 'readback-customer';
  if (label.startsWith('readback:created:')) return 'readback-range';
  return label;
}

interface PageLine {
  level?: string;
  msg?: string;
  stream?: string;
  phase?: string;
}

/**
 * A sync process (compiled `apps/sync/src/main.js`, scheduler and worker roles). At `LOG_LEVEL=info` it logs a line
 * per committed page with the phase it belongs to; those lines are counted here (the sandbox counts calls only per
 * endpoint), and only warnings and errors are passed on to this process's stderr.
 */
export class WorkerProcess {
  private readonly child: ChildProcess;
  private calls: PhaseCalls = {};
  private readonly exited: Promise<void>;

  constructor(entry: string, heapMb: number, env: NodeJS.ProcessEnv, cwd: string) {
    this.child = spawn(process.execPath, [`--max-old-space-size=${heapMb}`, entry], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    createInterface({ input: this.child.stdout! }).on('line', (line) => this.onLine(line));
  }

  /** The calls counted since the last call of this method. */
  public takeCalls(): PhaseCalls {
    const calls = this.calls;
    this.calls = {};
    return calls;
  }

  /** Peak resident memory so far (VmHWM), in MB. */
  public peakRssMb(): number {
    const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    const match = /VmHWM:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) / 1024 : NaN;
  }

  /** SIGTERM (the app's shutdown hooks close its broker and database connections), SIGKILL if it hangs. */
  public async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }

  public kill(): void {
    this.child.kill('SIGKILL');
  }

  private onLine(line: string): void {
    let entry: PageLine;
    try {
      entry = JSON.parse(line) as PageLine;
    } catch {
      process.stderr.write(`${line}\n`);
      return;
    }
    if (entry.level === 'warn' || entry.level === 'error' || entry.level === 'fatal') process.stderr.write(`${line}\n`);
    if (entry.msg?.startsWith('Synced page ') && entry.stream && entry.phase) {
      const stream = (this.calls[entry.stream] ??= {});
      const kind = phaseKind(entry.phase);
      stream[kind] = (stream[kind] ?? 0) + 1;
    }
  }
}
