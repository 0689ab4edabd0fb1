import { OPEN_REWARD_STATUSES } from '../../../apps/sync/src/sync.constants';

export interface AgencyOptions {
  records?: number;
  dealsVisible?: boolean | null;
  leadsVisible?: boolean | null;
  faults?: { rateLimitPerMinute?: number | null; errorRate?: number | null; latencyMs?: number | null };
}

export interface CallStats {
  requests: number;
  byEndpoint: Record<string, number>;
  byStatus: Record<string, number>;
  rateLimited: number;
  injectedErrors: number;
}

/** The sandbox's admin API (docs/sandbox-and-client.md); the agency is named by its token, as in the Partner API. */
export class SandboxAdmin {
  constructor(private readonly adminUrl: string) {}

  private async call<T>(method: string, path: string, token: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.adminUrl.replace(/\/+$/, '')}/${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`sandbox admin ${method} ${path}: ${response.status} ${await response.text()}`);
    return (response.status === 204 ? undefined : await response.json()) as T;
  }

  public configure(token: string, options: AgencyOptions): Promise<unknown> {
    return this.call('PUT', 'agency', token, options);
  }

  public advance(token: string, days: number): Promise<unknown> {
    return this.call('POST', 'agency/advance', token, { days });
  }

  public groundTruth(token: string): Promise<{ rewardsByStatus: Record<string, { count: number }> }> {
    return this.call('GET', 'agency/ground-truth', token);
  }

  public stats(token: string): Promise<CallStats> {
    return this.call('GET', 'agency/stats', token);
  }

  public resetStats(token: string): Promise<void> {
    return this.call('DELETE', 'agency/stats', token);
  }

  /** Most pages the open-reward sweep can need: every open reward, whatever its age. */
  public async openRewardSweepPages(token: string): Promise<number> {
    const truth = await this.groundTruth(token);
    return OPEN_REWARD_STATUSES.reduce(
      (sum, status) => sum + Math.max(1, Math.ceil((truth.rewardsByStatus[status]?.count ?? 0) / 250)),
      0,
    );
  }
}
