import { createHash, timingSafeEqual } from "node:crypto";
import { ApiError } from "./errors.js";

/**
 * Authentication by bearer key, fixed-window rate limits per key and per IP, CORS and security headers.
 * All of it is plain code over Fastify hooks (see app.ts), so every rule is visible in one place.
 */

const digest = (s: string) => createHash("sha256").update(s).digest();

export class KeyCheck {
  private readonly digests: Buffer[];
  constructor(keys: string[]) {
    this.digests = keys.map(digest);
  }
  get enabled(): boolean {
    return this.digests.length > 0;
  }
  /** Compares digests in constant time so response timing does not reveal how much of a key matched. */
  matches(key: string): boolean {
    const d = digest(key);
    let ok = false;
    for (const k of this.digests) if (timingSafeEqual(k, d)) ok = true;
    return ok;
  }
}

export type AuthFailure = "missing" | "malformed" | "invalid";

/** The bearer key of an Authorization header, or why there is none. */
export function bearerKey(header: string | undefined): { key: string } | { failure: AuthFailure } {
  if (!header || !header.trim()) return { failure: "missing" };
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header.trim());
  return m ? { key: m[1] } : { failure: "malformed" };
}

/** Fixed one-minute windows. Bounded: expired windows are swept when the map grows. */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();
  constructor(
    private readonly limit: number,
    private readonly now: () => number = Date.now,
    private readonly windowMs = 60_000,
    private readonly maxTracked = 50_000,
  ) {}

  /** Counts one request; returns the seconds to wait when over the limit, else 0. */
  hit(id: string): number {
    const t = this.now();
    let w = this.windows.get(id);
    if (!w || t - w.start >= this.windowMs) {
      if (!w && this.windows.size >= this.maxTracked) this.sweep(t);
      w = { start: t, count: 0 };
      this.windows.set(id, w);
    }
    w.count++;
    return w.count > this.limit ? Math.max(1, Math.ceil((w.start + this.windowMs - t) / 1000)) : 0;
  }

  private sweep(t: number): void {
    for (const [id, w] of this.windows) if (t - w.start >= this.windowMs) this.windows.delete(id);
    // Still full (a flood of distinct ids): forget the oldest half rather than grow without bound.
    if (this.windows.size >= this.maxTracked) {
      let n = Math.floor(this.maxTracked / 2);
      for (const id of this.windows.keys()) {
        if (n-- <= 0) break;
        this.windows.delete(id);
      }
    }
  }
}

export function rateLimited(retryAfter: number): ApiError {
  return new ApiError(429, "rate_limited", `请求过于频繁，请 ${retryAfter} 秒后再试。`, { "retry-after": String(retryAfter) });
}

/** Headers sent with every response, including streamed ones. Scripts and styles only from this origin. */
export const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; " +
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "permissions-policy": "camera=(), microphone=(), geolocation=()",
};

/** The allowed origins of CORS_ORIGINS; empty = CORS off (browsers then refuse cross-origin calls). */
export function corsOrigins(setting: string | undefined): Set<string> {
  return new Set((setting ?? "").split(",").map((o) => o.trim().replace(/\/+$/, "")).filter(Boolean));
}
