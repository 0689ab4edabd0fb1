import { PartnerStackStream } from '@pp/contracts';
import { PartnerStackClient, PartnerStackForbiddenError, PartnerStackNotFoundError } from '@pp/partnerstack-client';

import { isOpenRewardStatus } from '../../apps/sync/src/worker/reward-state';

/** What decides whether a reward changed for a consumer: its status, payment status and amount. */
interface RewardMoney {
  state: string;
  open: boolean;
  createdAt: number;
  /** The customer its read-back would query, or its creation instant when it has none (stream-plan.ts). */
  readbackKey: string;
  clawback: boolean;
}

export type RewardSnapshot = Map<string, RewardMoney>;

const text = (value: unknown): string | null => (typeof value === 'string' && value.length > 0 ? value : null);

/** An independent reader of the sandbox (its calls are counted too, so walks happen outside measured runs). */
export class Upstream {
  private readonly client: PartnerStackClient;

  constructor(
    baseUrl: string,
    private readonly token: string,
  ) {
    this.client = PartnerStackClient.create({ baseUrl, requestsPerMinute: 1_000_000 });
  }

  public async rewards(): Promise<RewardSnapshot> {
    const snapshot: RewardSnapshot = new Map();
    for await (const page of this.client.walk(this.token, 'rewards')) {
      for (const record of page.items) {
        const status = text(record.reward_status) ?? text(record.status);
        const paymentStatus = text(record.payment_status);
        const createdAt = typeof record.created_at === 'number' ? record.created_at : 0;
        const customer = text((record.customer as { key?: unknown } | null | undefined)?.key);
        snapshot.set(record.key, {
          state: `${status}/${paymentStatus}/${String(record.amount)}`,
          open: isOpenRewardStatus(status, paymentStatus),
          createdAt,
          readbackKey: customer ?? `created:${createdAt}`,
          clawback: typeof record.amount === 'number' && record.amount < 0,
        });
      }
    }
    return snapshot;
  }

  /** Records of a stream created after `createdAfter` (what a warm pass from that bound covers); 0 if not served. */
  public async countCreatedAfter(stream: PartnerStackStream, createdAfter: number): Promise<number> {
    let count = 0;
    try {
      for await (const page of this.client.walk(this.token, stream, { min_created: createdAfter })) {
        for (const record of page.items)
          if (typeof record.created_at === 'number' && record.created_at > createdAfter) count++;
      }
    } catch (error) {
      if (error instanceof PartnerStackForbiddenError || error instanceof PartnerStackNotFoundError) return 0;
      throw error;
    }
    return count;
  }
}

export interface RewardChange {
  rewardsBefore: number;
  rewardsAfter: number;
  /** New rewards plus rewards whose status, payment status or amount changed. */
  changed: number;
  created: number;
  /** Of the new ones, negative rewards reversing an earlier one (each reads its customer's rewards back). */
  clawbacks: number;
  /** Rewards the first walk saw and the second did not. */
  vanished: number;
  /** Changed rewards created before the incremental window: only the sweeps and the read-back can see them. */
  oldChanged: number;
  /** Distinct customers (or creation instants, for customerless rewards) among the old changed rewards. */
  oldChangedCustomers: number;
  /** Old rewards open before and final now: the ones the read-back has to find. */
  departed: number;
  departedCustomers: number;
}

/** Compares two walks of the rewards stream; `sweptBefore` is the incremental window's lower bound. */
export function rewardChange(before: RewardSnapshot, after: RewardSnapshot, sweptBefore: number): RewardChange {
  let changed = 0;
  let created = 0;
  let clawbacks = 0;
  let oldChanged = 0;
  let departed = 0;
  const oldChangedCustomers = new Set<string>();
  const departedCustomers = new Set<string>();
  for (const [key, now] of after) {
    const was = before.get(key);
    if (was === undefined) {
      created++;
      if (now.clawback) clawbacks++;
    }
    if (was?.state === now.state) continue;
    changed++;
    if (was === undefined || now.createdAt > sweptBefore) continue;
    oldChanged++;
    oldChangedCustomers.add(now.readbackKey);
    if (was.open && !now.open) {
      departed++;
      departedCustomers.add(now.readbackKey);
    }
  }
  return {
    rewardsBefore: before.size,
    rewardsAfter: after.size,
    changed,
    created,
    clawbacks,
    vanished: [...before.keys()].filter((key) => !after.has(key)).length,
    oldChanged,
    oldChangedCustomers: oldChangedCustomers.size,
    departed,
    departedCustomers: departedCustomers.size,
  };
}
