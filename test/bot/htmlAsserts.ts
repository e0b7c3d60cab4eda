import { expect } from "vitest";
import { htmlToText } from "../../src/present/telegram.js";

/** Asserts what Telegram needs of each part: size, balanced tags, whole entities, no lone surrogates. */
export function assertValidParts(parts: string[], limit = 4096): void {
  for (const p of parts) {
    expect(p.length).toBeLessThanOrEqual(limit);
    const stack: string[] = [];
    for (const m of p.matchAll(/<(\/?)([a-z-]+)[^<>]*>/g)) {
      if (m[1]) expect(stack.pop()).toBe(m[2]);
      else stack.push(m[2]);
    }
    expect(stack).toEqual([]);
    // No stray "<" or ">" outside tags, every "&" starts a complete entity.
    expect(p.replace(/<\/?[a-z-]+[^<>]*>/g, "")).not.toMatch(/[<>]/);
    expect(p).not.toMatch(/&(?!(amp|lt|gt|quot|#\d+|#x[0-9a-f]+);)/i);
    expect(p).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    expect(htmlToText(p).trim()).not.toBe("");
  }
}

