import { run } from "../cli/start.js";
import { defaultDeps } from "../cli/deps.js";
import { exit, processIo } from "../cli/io.js";
await exit(await run(process.argv.slice(2), processIo({ signals: true }), defaultDeps()));
