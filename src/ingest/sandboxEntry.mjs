// Entry of a parser sandbox process (src/ingest/sandbox.ts forks it with plain `node`).
// Our TypeScript is loaded through tsx's scoped API, so this works the same under `tsx` and under vitest; the
// parsers themselves (pdf-parse, mammoth, cheerio) are imported natively, outside tsx's loader, and with source
// maps off: through tsx, pdf-parse alone took 7–10 s and 400 MB to load, natively 0.3 s and 40 MB.
import { register } from "tsx/esm/api";

const tsx = register({ namespace: "nianbao-sandbox" });
process.setSourceMapsEnabled(false);
const { serve } = await tsx.import("./sandboxChild.ts", import.meta.url);
serve({
  pdf: () => import("pdf-parse"),
  docx: () => import("mammoth"),
  html: () => import("cheerio"),
});
