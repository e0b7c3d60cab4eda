import { LruMap } from "./lru.js";

/**
 * Sliding-window limiter for the chat channels (Telegram, the office bots): at most `limit` events per user in any
 * 60 s, and one notice per window for a user who goes over (not one per message). Bounded: the least recently seen
 * users are forgotten beyond `maxTracked`.
 */
export class RateLimiter<K> {
  private readonly windows: LruMap<K, number[]>;
  private readonly notified: LruMap<K, true>;
  constructor(
    private readonly limit: number,
    private readonly now: () => number,
    maxTracked = 20_000,
  ) {
    this.windows = new LruMap(maxTracked, 60_000, now);
    this.notified = new LruMap(maxTracked, 60_000, now);
  }
  /** Records the event and says whether it is allowed. */
  take(user: K): boolean {
    const t = this.now();
    const recent = (this.windows.get(user) ?? []).filter((x) => t - x < 60_000);
    if (recent.length >= this.limit) {
      this.windows.set(user, recent);
      return false;
    }
    recent.push(t);
    this.windows.set(user, recent);
    this.notified.delete(user);
    return true;
  }
  /** True the first time a limited user is seen in a window. */
  shouldNotify(user: K): boolean {
    if (this.notified.has(user)) return false;
    this.notified.set(user, true);
    return true;
  }
}
