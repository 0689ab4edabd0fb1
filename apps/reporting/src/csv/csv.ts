import { Readable } from 'node:stream';

import { Logger, StreamableFile } from '@nestjs/common';
import type { StreamableHandlerResponse } from '@nestjs/common/file-stream/interfaces';

export type CsvCell = string | number | boolean | null | undefined;

export interface CsvColumn<T> {
  header: string;
  value: (row: T) => CsvCell;
}

// Spreadsheet apps execute a cell that starts with one of these as a formula (CSV injection); PartnerStack data
// (customer names, descriptions) is written by third parties, so such text cells get a leading apostrophe.
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: CsvCell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(cells: CsvCell[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

export interface CsvOptions {
  /**
   * Starts the file with U+FEFF: Excel opens a CSV without one in the system's legacy code page, which garbles
   * accented names; other readers may show it as a stray character, so it is asked for, not the default.
   */
  bom?: boolean;
}

export async function* csvChunks<T>(
  columns: CsvColumn<T>[],
  batches: AsyncIterable<T[]>,
  { bom = false }: CsvOptions = {},
): AsyncGenerator<string> {
  yield (bom ? '\uFEFF' : '') + csvLine(columns.map((column) => column.header));
  for await (const batch of batches) {
    let chunk = '';
    for (const row of batch) chunk += csvLine(columns.map((column) => column.value(row)));
    yield chunk;
  }
}

const logger = new Logger('CsvExport');

/**
 * A download is sent chunked, so ending it after a failure would look like a complete (shorter) file; only a
 * destroyed connection tells the client it is not. Set explicitly rather than left to the framework's default,
 * which has ended such responses in earlier NestJS versions.
 */
function cutDownload(error: Error, response: StreamableHandlerResponse): void {
  logger.warn({ err: error }, 'CSV export failed midway; connection destroyed so the file cannot pass as complete');
  if (!response.destroyed) response.destroy?.();
}

/**
 * A CSV download streamed batch by batch from a database cursor: the stream's back-pressure paces the cursor,
 * and a client that hangs up destroys the stream, which ends the cursor's transaction.
 */
export function csvFile<T>(
  filename: string,
  columns: CsvColumn<T>[],
  batches: AsyncIterable<T[]>,
  options: CsvOptions = {},
): StreamableFile {
  return new StreamableFile(Readable.from(csvChunks(columns, batches, options), { objectMode: false }), {
    type: 'text/csv; charset=utf-8',
    disposition: `attachment; filename="${filename}"`,
  }).setErrorHandler(cutDownload);
}

export function wantsCsv(accept: string | undefined): boolean {
  return typeof accept === 'string' && /\btext\/csv\b/i.test(accept);
}
