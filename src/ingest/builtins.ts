/**
 * Some dependencies ship core-js polyfills that overwrite Node's own built-ins when imported. pdf-parse bundles
 * pdfjs's legacy build, which replaces Array.prototype.push and JSON.parse process-wide with JavaScript versions
 * many times slower (measured: ingest spent more time in the polyfilled push than in BM25, and every index open
 * parses hundreds of MB of JSON). pdfjs does it twice: when imported and when it loads its worker code on the
 * first parse. keepingBuiltins runs such code and then puts back every built-in that existed before and was
 * replaced; what the code only adds (methods this Node lacks) stays.
 */

/** The built-in objects whose own properties are guarded. */
function guardedObjects(): object[] {
  const typedArray = Object.getPrototypeOf(Uint8Array.prototype) as object;
  return [
    Array, Array.prototype, Object, Object.prototype, Function.prototype, String, String.prototype, Number, Number.prototype,
    Map, Map.prototype, Set, Set.prototype, WeakMap.prototype, Promise, Promise.prototype, RegExp.prototype, JSON, Math,
    Reflect, Symbol, typedArray, Uint8Array, Uint8Array.prototype, ArrayBuffer, ArrayBuffer.prototype, Error, Date.prototype,
  ];
}

type Snapshot = Array<{ target: object; key: PropertyKey; desc: PropertyDescriptor }>;

export function snapshotBuiltins(): Snapshot {
  const out: Snapshot = [];
  for (const target of guardedObjects())
    for (const key of Reflect.ownKeys(target)) {
      const desc = Object.getOwnPropertyDescriptor(target, key);
      if (desc) out.push({ target, key, desc });
    }
  return out;
}

/** Puts back every snapshotted property whose value or accessor was replaced; returns the names restored. */
export function restoreBuiltins(snapshot: Snapshot): string[] {
  const restored: string[] = [];
  for (const { target, key, desc } of snapshot) {
    const now = Object.getOwnPropertyDescriptor(target, key);
    if (now && now.value === desc.value && now.get === desc.get && now.set === desc.set) continue;
    if (now && !now.configurable) continue;
    Object.defineProperty(target, key, desc);
    restored.push(String(key));
  }
  return restored;
}

/**
 * Taken on the first guarded call and reused: two overlapping calls must not let the second one snapshot (and
 * later restore) what the first one's code installed.
 */
let pristine: Snapshot | null = null;

export async function keepingBuiltins<T>(run: () => Promise<T>): Promise<T> {
  const snapshot = (pristine ??= snapshotBuiltins());
  try {
    return await run();
  } finally {
    restoreBuiltins(snapshot);
  }
}
