import createClient, { Client, Middleware } from 'openapi-fetch';

import type { components as CredentialsComponents, paths as CredentialsPaths } from './generated/credentials';
import type { components as ReportingComponents, paths as ReportingPaths } from './generated/reporting';

export type { CredentialsPaths, ReportingPaths };
export type CredentialsSchemas = CredentialsComponents['schemas'];
export type ReportingSchemas = ReportingComponents['schemas'];
export type ProblemDetails = ReportingSchemas['ProblemDetails'];

/**
 * The media types the client reads: JSON bodies and problem+json errors. Lists are also documented as text/csv; a
 * CSV download is asked for with `Accept: text/csv` and `parseAs: 'text'`, and is not a typed body.
 */
export type JsonMedia = `${string}/${string}json`;

export type ReportingClient = Client<ReportingPaths, JsonMedia>;
export type CredentialsClient = Client<CredentialsPaths, JsonMedia>;

export interface ApiClientOptions {
  /** Where the service answers, e.g. http://localhost:3002. */
  baseUrl: string;
  /** The user's JWT from the main app, or a function that returns a current one (called per request). */
  token: string | (() => string | Promise<string>);
  /** For tests and non-browser runtimes; defaults to the global fetch. */
  fetch?: typeof globalThis.fetch;
}

function bearer(token: ApiClientOptions['token']): Middleware {
  return {
    async onRequest({ request }) {
      request.headers.set('Authorization', `Bearer ${typeof token === 'function' ? await token() : token}`);
      return request;
    },
  };
}

/** A typed client of the reporting API (openapi/reporting.json): paths, query parameters and bodies are checked. */
export function createReportingClient({ baseUrl, token, fetch }: ApiClientOptions): ReportingClient {
  const client = createClient<ReportingPaths, JsonMedia>({ baseUrl, fetch });
  client.use(bearer(token));
  return client;
}

/** A typed client of the credentials API (openapi/credentials.json), for the settings page. */
export function createCredentialsClient({ baseUrl, token, fetch }: ApiClientOptions): CredentialsClient {
  const client = createClient<CredentialsPaths, JsonMedia>({ baseUrl, fetch });
  client.use(bearer(token));
  return client;
}
