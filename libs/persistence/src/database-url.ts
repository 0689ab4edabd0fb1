/** Splits a PostgreSQL URL into the server URL and the database name (for creating the database). */
export function parseDatabaseUrl(url: string): { serverUrl: (database: string) => string; database: string } {
  const parsed = new URL(url);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'postgres';
  return {
    database,
    serverUrl: (other: string) => {
      const copy = new URL(url);
      copy.pathname = `/${encodeURIComponent(other)}`;
      return copy.toString();
    },
  };
}

/** For log lines: host, port and database, never the password. */
export function describeDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}
