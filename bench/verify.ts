/**
 * Cost of index verification (src/index/guard.ts checkGeneration) against the cost of opening the index.
 *
 *   tsx bench/verify.ts DIR [DIR...]     indexes built by ingest (e.g. the corpus index and bench/ingest.ts's
 *                                        synthetic one, $TMPDIR/nianbao-synth-index); runs = 3 each
 *
 * Per index: an open's check (sizes, the natively parsed files' hashes, files changed since their record),
 * --verify's (every hash), and a whole open (readIndexData + loadIndex) for comparison; medians of the runs,
 * warm page cache (the first run reads the files in).
 */
import { createEmbedder } from "../src/embed/factory.js";
import { checkGeneration } from "../src/index/guard.js";
import { currentGeneration, loadIndex, readIndexData, readManifest } from "../src/index/store.js";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const runs = Number(process.env.RUNS ?? 3);
for (const dir of process.argv.slice(2)) {
  const gen = (await currentGeneration(dir))!;
  const manifest = await readManifest(gen);
  const open: number[] = [];
  const full: number[] = [];
  const whole: number[] = [];
  let openBytes = 0;
  let fullBytes = 0;
  let total = 0;
  await checkGeneration(gen, manifest.integrity, { full: true }); // warm-up: page cache, verification record
  for (let i = 0; i < runs; i++) {
    const o = await checkGeneration(gen, manifest.integrity);
    open.push(o.ms);
    openBytes = o.hashedBytes;
    total = o.bytes;
    const f = await checkGeneration(gen, manifest.integrity, { full: true });
    full.push(f.ms);
    fullBytes = f.hashedBytes;
    const t = performance.now();
    const data = await readIndexData(dir);
    const { embedder } = await createEmbedder({ EMBEDDINGS_BASE_URL: undefined, EMBEDDINGS_MODEL: undefined, EMBEDDINGS_API_KEY: undefined } as never, data!.stats);
    await loadIndex(dir, embedder, data);
    whole.push(performance.now() - t);
  }
  const mb = (b: number) => (b / 1048576).toFixed(1);
  console.log(
    `${dir}: ${manifest.chunkCount} chunks, ${mb(total)} MB in ${Object.keys(manifest.integrity ?? {}).length} files\n` +
      `  open check: ${median(open).toFixed(0)} ms (hashes ${mb(openBytes)} MB: graph, facts.sqlite, chunks.json)\n` +
      `  --verify:   ${median(full).toFixed(0)} ms (hashes ${mb(fullBytes)} MB)\n` +
      `  whole open (readIndexData + loadIndex, its check included): ${median(whole).toFixed(0)} ms`,
  );
}
