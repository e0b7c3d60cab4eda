/**
 * A small LRU map with an optional time-to-live. Every per-chat or per-user store in the bot layer goes through
 * this so that memory stays bounded no matter how many chats talk to the bot.
 */
export class LruMap<K, V> {
  private readonly map = new Map<K, { value: V; at: number }>();

  constructor(
    readonly maxSize: number,
    /** Entries older than this (ms since last set) are treated as absent; Infinity = never expire. */
    readonly ttlMs: number = Infinity,
    private readonly now: () => number = Date.now,
  ) {
    if (maxSize < 1) throw new RangeError("maxSize must be >= 1");
  }

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    if (this.now() - e.at > this.ttlMs) {
      this.map.delete(key);
      return undefined;
    }
    // Re-insert so that Map iteration order doubles as recency order.
    this.map.delete(key);
    this.map.set(key, e);
    return e.value;
  }

  has(key: K): boolean {
    return this.get(key) !== undefined;
  }

  set(key: K, value: V): this {
    this.map.delete(key);
    this.map.set(key, { value, at: this.now() });
    while (this.map.size > this.maxSize) {
      const oldest = this.map.keys().next().value as K;
      this.map.delete(oldest);
    }
    return this;
  }

  delete(key: K): boolean {
    return this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
  }
}
