import { readdirSync, statSync } from "node:fs";
import path from "node:path";

/** The project's source folder and its TypeScript files, for the tests that read the code itself. */
export const SRC = path.resolve(import.meta.dirname, "../../src");

export function sourceFiles(dir: string = SRC): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = path.join(dir, e);
    return statSync(p).isDirectory() ? sourceFiles(p) : e.endsWith(".ts") ? [p] : [];
  });
}

/** A source file's path relative to src/, with forward slashes ("answer/engine.ts"). */
export const relToSrc = (p: string): string => path.relative(SRC, p).split(path.sep).join("/");
