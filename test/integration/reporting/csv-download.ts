import { IncomingMessage, request as httpRequest } from 'node:http';

import { Client } from 'pg';

/** How a download ended: `complete` only when the whole chunked body arrived with its terminating chunk. */
export type DownloadOutcome = 'complete' | 'aborted';

/** An HTTP download the test reads at its own pace, to see how the server ends it. */
export interface Download {
  response: IncomingMessage;
  /** Resolves with the first body bytes; the body then stays paused until `resume()`. */
  firstChunk: Promise<Buffer>;
  resume: () => void;
  outcome: Promise<DownloadOutcome>;
  /** Body bytes received so far. */
  received: () => number;
  abandon: () => void;
}

/**
 * Starts a GET and resolves once its status line and headers arrived. The body is paused after its first chunk,
 * like a client that reads slowly: the server's socket buffers fill and back-pressure stops the export.
 */
export function openDownload(url: string, headers: Record<string, string>): Promise<Download> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers });
    req.on('error', reject);
    req.on('response', (response) => {
      let bytes = 0;
      let resolveFirst: (chunk: Buffer) => void = () => undefined;
      const firstChunk = new Promise<Buffer>((done) => (resolveFirst = done));
      const outcome = new Promise<DownloadOutcome>((done) => {
        // `complete` is set only when the message was fully received; a destroyed connection leaves it false.
        response.on('close', () => done(response.complete ? 'complete' : 'aborted'));
        response.on('error', () => undefined);
      });
      response.on('data', (chunk: Buffer) => {
        if (bytes === 0) {
          response.pause();
          resolveFirst(chunk);
        }
        bytes += chunk.length;
      });
      resolve({
        response,
        firstChunk,
        resume: () => response.resume(),
        outcome,
        received: () => bytes,
        abandon: () => {
          response.destroy();
          req.destroy();
        },
      });
    });
    req.end();
  });
}

/** Reads a download to its end (or its abort), concatenated. */
export async function readRest(download: Download): Promise<{ outcome: DownloadOutcome; body: string }> {
  const chunks: Buffer[] = [await download.firstChunk];
  download.response.on('data', (chunk: Buffer) => chunks.push(chunk));
  download.resume();
  const outcome = await download.outcome;
  return { outcome, body: Buffer.concat(chunks).toString('utf8') };
}

/** Backends of the reporting pool in this suite's database that are inside an export's cursor. */
export async function exportBackends(admin: Client): Promise<number[]> {
  const { rows } = await admin.query<{ pid: number }>(
    `select pid from pg_stat_activity
      where application_name = 'pp-reporting' and datname = current_database()
        and state <> 'idle' and query like 'fetch forward%'`,
  );
  return rows.map((row) => row.pid);
}

/** Reporting sessions holding a transaction open (an export's snapshot). */
export async function openReportingTransactions(admin: Client): Promise<number> {
  const { rows } = await admin.query<{ open: string }>(
    `select count(*) as open from pg_stat_activity
      where application_name = 'pp-reporting' and datname = current_database() and xact_start is not null`,
  );
  return Number(rows[0].open);
}
