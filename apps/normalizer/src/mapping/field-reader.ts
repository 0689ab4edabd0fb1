import { EPOCH_MS_MAX, EPOCH_MS_MIN } from './partnerstack-assumptions.constants';

/** A record that can never be mapped (missing or mistyped field); its message is dead-lettered with this reason. */
export class UnmappableRecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnmappableRecordError';
  }
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Typed access to one object of a PartnerStack record. Absent and null fields read as null; a field of the
 * wrong type throws `UnmappableRecordError` naming its path, so nothing is silently coerced into garbage.
 */
export class FieldReader {
  constructor(
    private readonly source: Record<string, unknown>,
    private readonly path: string,
  ) {}

  private fail(name: string, expected: string, value: unknown): never {
    throw new UnmappableRecordError(`${this.path}.${name}: expected ${expected}, got ${describeType(value)}`);
  }

  private value(name: string): unknown {
    return this.source[name];
  }

  public has(name: string): boolean {
    return this.value(name) !== undefined && this.value(name) !== null;
  }

  public string(name: string): string | null {
    const value = this.value(name);
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string') this.fail(name, 'a string', value);
    return value;
  }

  public requiredString(name: string): string {
    const value = this.string(name);
    if (value === null || value === '') throw new UnmappableRecordError(`${this.path}.${name}: missing`);
    return value;
  }

  /** An identifier given as a string or an integer (PartnerStack uses both for ids). */
  public identifier(name: string): string | null {
    const value = this.value(name);
    if (value === undefined || value === null) return null;
    if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
    if (typeof value !== 'string') this.fail(name, 'a string or integer id', value);
    return value;
  }

  public integer(name: string): number | null {
    const value = this.value(name);
    if (value === undefined || value === null) return null;
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) this.fail(name, 'an integer', value);
    return value;
  }

  public requiredInteger(name: string): number {
    const value = this.integer(name);
    if (value === null) throw new UnmappableRecordError(`${this.path}.${name}: missing`);
    return value;
  }

  /** A decimal given as a number or a numeric string, returned as a string for a `numeric` column. */
  public decimal(name: string): string | null {
    const value = this.value(name);
    if (value === undefined || value === null) return null;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return value.trim();
    return this.fail(name, 'a number', value);
  }

  /** Booleans; PartnerStack has been seen sending `"false"` as a string (webhook sample). */
  public boolean(name: string): boolean | null {
    const value = this.value(name);
    if (value === undefined || value === null) return null;
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    return this.fail(name, 'a boolean', value);
  }

  /** Epoch milliseconds to an ISO timestamp. */
  public epochMs(name: string): string | null {
    const value = this.value(name);
    if (value === undefined || value === null) return null;
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) this.fail(name, 'epoch milliseconds', value);
    if (value < EPOCH_MS_MIN || value > EPOCH_MS_MAX)
      throw new UnmappableRecordError(`${this.path}.${name}: ${value} is not a plausible epoch-millisecond time`);
    return new Date(value).toISOString();
  }

  /** A calendar date `YYYY-MM-DD`. */
  public date(name: string): string | null {
    const value = this.string(name);
    if (value === null || value === '') return null;
    const parsed = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
    if (!parsed || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) this.fail(name, 'a YYYY-MM-DD date', value);
    return value;
  }

  /** The upper-cased ISO 4217 code, else `fallback` (so never null with a fallback). */
  public currency<F extends string | null>(name: string, fallback: F): string | F {
    const value = this.string(name);
    if (value === null || value === '') return fallback;
    const code = value.trim().toUpperCase();
    if (!/^[A-Z]{3}$/.test(code))
      throw new UnmappableRecordError(`${this.path}.${name}: '${value.slice(0, 16)}' is not an ISO 4217 code`);
    return code;
  }

  public object(name: string): FieldReader | null {
    const value = this.value(name);
    if (value === undefined || value === null) return null;
    if (!isPlainObject(value)) this.fail(name, 'an object', value);
    return new FieldReader(value, `${this.path}.${name}`);
  }

  public objects(name: string): FieldReader[] {
    const value = this.value(name);
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) this.fail(name, 'an array', value);
    return value.map((item, position) => {
      if (!isPlainObject(item)) this.fail(`${name}[${position}]`, 'an object', item);
      return new FieldReader(item, `${this.path}.${name}[${position}]`);
    });
  }

  public json(name: string): unknown {
    return this.value(name) ?? null;
  }

  /** A list of strings; a single string is taken as a list of one (marketplace `category`). */
  public strings(name: string): string[] {
    const value = this.value(name);
    if (value === undefined || value === null) return [];
    if (typeof value === 'string') return [value];
    if (!Array.isArray(value)) this.fail(name, 'an array of strings', value);
    return value.map((item, position) => {
      if (typeof item === 'string') return item;
      if (typeof item === 'number' && Number.isFinite(item)) return String(item);
      return this.fail(`${name}[${position}]`, 'a string', item);
    });
  }
}
