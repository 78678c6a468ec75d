/** Default per-operation quotas (docs/aws/customer-profiles.md, connect.md): rate/s, burst. */
export const DEFAULT_QUOTAS: Record<string, { rate: number; burst: number }> = {
  "profile:PutProfileObject": { rate: 100, burst: 100 },
  "profile:ListAccountIntegrations": { rate: 100, burst: 100 },
  "profile:ListDomains": { rate: 5, burst: 5 },
  "profile:GetDomain": { rate: 5, burst: 5 },
  "profile:ListIntegrations": { rate: 5, burst: 5 },
  "profile:GetIntegration": { rate: 5, burst: 5 },
  "profile:CreateDomain": { rate: 1, burst: 1 },
  "profile:UpdateDomain": { rate: 1, burst: 1 },
  "profile:DeleteDomain": { rate: 1, burst: 1 },
  "profile:PutIntegration": { rate: 1, burst: 1 },
  "profile:DeleteIntegration": { rate: 1, burst: 1 },
  "connect:*": { rate: 2, burst: 5 },
};

export class QuotaBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly quotas = DEFAULT_QUOTAS) {}

  /** Take one token for the operation; false when the caller is over its quota. */
  take(service: string, operation: string, now: number): boolean {
    const key = `${service}:${operation}`;
    const quota = this.quotas[key] ?? this.quotas[`${service}:*`];
    if (!quota) return true;
    const bucket = this.buckets.get(key) ?? { tokens: quota.burst, at: now };
    bucket.tokens = Math.min(quota.burst, bucket.tokens + ((now - bucket.at) / 1000) * quota.rate);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
