/**
 * `npm run build`: compiles src/ to dist/ (tsconfig.build.json) from scratch and stamps dist/BUILD, which
 * src/bin/launch.mjs compares with the sources' times to decide whether dist/ may be run.
 */
import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const dist = path.join(root, "dist");
rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const r = spawnSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.build.json")], { stdio: "inherit" });
if (r.status !== 0) {
  // No stamp: the commands keep running from the sources.
  process.stderr.write("npm run build: tsc failed; dist/ is not used until a build succeeds.\n");
  process.exit(r.status ?? 1);
}
writeFileSync(path.join(dist, "BUILD"), `${new Date().toISOString()}\n`);
