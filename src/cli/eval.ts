import { readFileSync } from "node:fs";
import { loadSettings } from "../config.js";
import { openEngine, type Engine } from "../answer/engine.js";
import { cleanText } from "../ingest/clean.js";
import { loadFile } from "../ingest/load.js";
import { sourceOf } from "../index/build.js";
import { listCorpusFiles } from "../ingest/files.js";
import { groupReport, retrievalLine, retrievalScores, score, type EvalItem, type EvalOutcome, type EvalScores } from "../eval/metrics.js";
import { NaivePipeline, windows, type NaiveWindow } from "../eval/naive.js";
import type { RetrievalMode } from "../answer/retrieve.js";
import { parseArgs } from "./args.js";

/**
 * `npm run eval`: runs the question set through the full system and through the baselines and prints
 * the scores side by side. `--verbose` lists every failure with the answer given.
 */
async function runEngine(engine: Engine, items: EvalItem[]): Promise<EvalOutcome[]> {
  const out: EvalOutcome[] = [];
  for (const item of items) {
    let state = null;
    for (const prev of item.previous === undefined ? [] : Array.isArray(item.previous) ? item.previous : [item.previous]) state = (await engine.ask(prev, state)).state;
    const { answer } = await engine.ask(item.question, state);
    out.push({ answer, ranked: answer.citations.map((c) => ({ source: c.source, section: c.section })) });
  }
  return out;
}

async function naiveOutcomes(corpusDir: string, items: EvalItem[]): Promise<EvalOutcome[]> {
  const wins: NaiveWindow[] = [];
  // The same files ingest reads, so both pipelines answer from the same corpus.
  for (const file of (await listCorpusFiles([corpusDir])).files) {
    const source = sourceOf(corpusDir, file);
    const loaded = await loadFile(file, source).catch(() => null);
    if (!loaded) continue;
    for (const w of windows(cleanText(loaded.text))) wins.push({ source, title: source, text: w });
  }
  const naive = new NaivePipeline(wins);
  return items.map((item) => naive.ask([...[item.previous ?? []].flat(), item.question].join(" ")));
}

function row(name: string, s: EvalScores): string {
  const f = (x: number) => x.toFixed(3);
  return `${name.padEnd(22)} ${f(s.answerAccuracy)}    ${f(s.hit1)}   ${f(s.hit3)}   ${f(s.mrr)}   ${f(s.refusalAccuracy)}      ${s.falseRefusals}`;
}

/** The question sets `npm run eval` runs by default: tuned-on, held-out, and the sealed set written blind. */
const SETS = [
  { name: "questions", file: "test/eval/questions.jsonl" },
  { name: "held-out", file: "test/eval/heldout.jsonl" },
  { name: "sealed", file: "test/eval/sealed.jsonl" },
  { name: "rules", file: "test/eval/sealed-rules.jsonl" },
];

/** citation@3 of the sealed set's answerable items: an expected source among the first three citations. */
function citationAt3(s: EvalScores): string {
  return s.hit3.toFixed(3);
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2), ["index", "questions", "only", "modes"]);
  const settings = loadSettings({ ...process.env, LLM_BASE_URL: "", EMBEDDINGS_BASE_URL: "" });
  const file = args.values.get("questions");
  const sets = file ? [{ name: file, file }] : SETS;
  const modes = (args.values.get("modes") ?? (file ? "hybrid,dense,lexical" : "hybrid")).split(",") as RetrievalMode[];
  const indexDir = args.values.get("index") ?? settings.NIANBAO_INDEX_DIR;
  const engines = new Map<RetrievalMode, Engine>();
  for (const mode of modes) engines.set(mode, await openEngine({ indexDir, corpusDir: settings.CORPUS_DIR, settings, mode }));
  const summary: string[] = [];
  for (const set of sets) {
    let items: EvalItem[] = readFileSync(set.file, "utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
    const only = args.values.get("only");
    if (only) items = items.filter((i) => i.id.startsWith(only) || i.type === only);
    const counts = new Map<string, number>();
    items.forEach((i) => counts.set(i.type, (counts.get(i.type) ?? 0) + 1));
    console.log(`\n=== ${set.name}: ${items.length} questions (${[...counts].map(([k, v]) => `${k} ${v}`).join(", ")})`);

    const results: Array<[string, EvalScores, EvalOutcome[]]> = [];
    for (const mode of modes) {
      const t0 = performance.now();
      const outs = await runEngine(engines.get(mode)!, items);
      const ms = (performance.now() - t0) / items.length;
      const name = mode === "hybrid" ? "nianbao (hybrid)" : `${mode}-only retrieval`;
      results.push([name, score(items, outs), outs]);
      console.error(`${set.name} · ${name}: ${ms.toFixed(1)} ms/question`);
    }
    const naive = await naiveOutcomes(settings.CORPUS_DIR, items);
    results.push(["naive 500/100 + BM25", score(items, naive), naive]);

    console.log("pipeline               accuracy hit@1   hit@3   MRR     refusal-acc  false-refusals");
    for (const [name, s] of results) console.log(row(name, s));
    summary.push(`${set.name.padEnd(10)} nianbao ${results[0][1].answerAccuracy.toFixed(3)} (citation@3 ${citationAt3(results[0][1])}, refusals ${results[0][1].refusalAccuracy.toFixed(3)}) · naive ${results[results.length - 1][1].answerAccuracy.toFixed(3)}`);

    const [, main, outs] = results[0];
    const byType = new Map<string, { n: number; ok: number }>();
    items.forEach((item) => {
      const e = byType.get(item.type) ?? { n: 0, ok: 0 };
      e.n++;
      if (!main.failures.includes(item.id)) e.ok++;
      byType.set(item.type, e);
    });
    for (const line of groupReport(items, outs)) console.log(line);
    // Rule items name their governing clause: its rank in the first stage, ours beside the naive windows'.
    if (items.some((i) => i.first_citation_any?.length)) {
      const first = [];
      for (const i of items) first.push(await engines.get(modes[0])!.firstStage(i.question));
      const line = retrievalLine(retrievalScores(items, first), retrievalScores(items, naive.map((o) => o.ranked.map((r) => ({ section: "", quote: r.section })))));
      console.log(line);
      summary.push(`${set.name.padEnd(10)} ${line}`);
    }
    console.log(`nianbao accuracy by type: ${[...byType].map(([k, v]) => `${k} ${v.ok}/${v.n}`).join(", ")}`);
    if (main.failures.length) {
      console.log(`failures (${main.failures.length}): ${main.failures.join(" ")}`);
      if (args.flags.has("verbose"))
        for (const id of main.failures) {
          const i = items.findIndex((x) => x.id === id);
          const a = outs[i].answer;
          console.log(`\n--- ${id} ${items[i].question}\n expected ${JSON.stringify(items[i].answer_any)} from ${items[i].sources.join(",")} ${(items[i].section_any ?? []).join(",")}\n got found=${a.found}: ${a.answer.split("\n").slice(0, 2).join(" / ").slice(0, 300)}\n cites: ${a.citations.slice(0, 3).map((c) => `${c.source} ${c.section}`).join(" | ")}`);
        }
    }
  }
  console.log(`\nsummary\n${summary.join("\n")}`);
  return 0;
}

main().then((c) => process.exit(c), (e) => {
  console.error(`错误 / error: ${(e as Error).message}`);
  process.exit(2);
});
