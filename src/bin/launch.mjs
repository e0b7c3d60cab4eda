/**
 * Runs a command — `node src/bin/launch.mjs ask …` runs src/bin/ask.ts — from the compiled build in dist/ when it
 * is current (`npm run build`), else from the sources through tsx's loader, in this same process. Compiled, a
 * one-shot `ask` skips transpiling ~150 files on every start. "Current" means dist/BUILD is newer than every
 * file under src/ and the tsconfig files, so an edit or a checkout never runs stale code: it runs the sources.
 * Plain JavaScript, so that it runs before anything is compiled.
 */
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const name = process.argv[2] ?? "";
if (!/^[a-z]+$/.test(name)) {
  process.stderr.write("usage: node src/bin/launch.mjs <command> [arguments]\n");
  process.exit(2);
}
// The command sees its own arguments at process.argv.slice(2), as when run directly.
process.argv.splice(2, 1);

/** Newest modification time of the files below `dir`. */
function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

function compiledIsCurrent() {
  try {
    const built = statSync(path.join(root, "dist", "BUILD")).mtimeMs;
    const sources = Math.max(newest(path.join(root, "src")), ...["tsconfig.json", "tsconfig.build.json"].map((f) => statSync(path.join(root, f)).mtimeMs));
    return built >= sources;
  } catch {
    return false;
  }
}

if (process.env.NIANBAO_FROM_SOURCE !== "1" && compiledIsCurrent()) {
  await import(pathToFileURL(path.join(root, "dist", "bin", `${name}.js`)).href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import(pathToFileURL(path.join(root, "src", "bin", `${name}.ts`)).href);
}
