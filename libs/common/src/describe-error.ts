export interface DescribeErrorOptions {
  /** Prefixes the error's class name (`TypeError: …`): dead-letter reasons keep it, so an operator sees the kind. */
  withName?: boolean;
}

/** A one-line description of anything thrown, for logs and stored failure reasons. */
export function describeError(error: unknown, { withName = false }: DescribeErrorOptions = {}): string {
  if (!(error instanceof Error)) return String(error);
  return withName ? `${error.name}: ${error.message}` : error.message;
}
