import { readFileSync } from "node:fs";
import path from "node:path";
import type { AnswerEngine } from "../answer/api.js";
import { loadSettings } from "../config.js";
import { groupReport, retrievalLine, retrievalScores, score, type EvalItem, type EvalOutcome, type EvalScores } from "../eval/metrics.js";
import { NaivePipeline, windows, type NaiveWindow } from "../eval/naive.js";
import { parseArgs } from "./args.js";
import type { CliDeps, CliEngine, RetrievalMode } from "./deps.js";
import { line, write, type CliIo } from "./io.js";

/**
 * `npm run eval`: runs the question set through the full system and through the baselines and prints
 * the scores side by side. `--verbose` lists every failure with the answer given.
 */
async function runEngine(engine: AnswerEngine, items: EvalItem[]): Promise<EvalOutcome[]> {
  const out: EvalOutcome[] = [];
  for (const item of items) {
    let state = null;
    for (const prev of item.previous === undefined ? [] : Array.isArray(item.previous) ? item.previous : [item.previous]) state = (await engine.ask(prev, state)).state;
    const { answer } = await engine.ask(item.question, state);
    out.push({ answer, ranked: answer.citations.map((c) => ({ source: c.source, section: c.section })) });
  }
  return out;
}

async function naiveOutcomes(deps: CliDeps, corpusDir: string, items: EvalItem[]): Promise<EvalOutcome[]> {
  const wins: NaiveWindow[] = [];
  // The same files ingest reads, so both pipelines answer from the same corpus.
  for (const { source, text } of await deps.corpusTexts(corpusDir)) for (const w of windows(text)) wins.push({ source, title: source, text: w });
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

/**
 * `npm run eval`: the question sets through Nianbao (in each retrieval mode asked for) and the naive baseline, scores
 * on io.stdout, timings on io.stderr. The index is opened offline (no LLM, the built-in embedder). Exit 0; 2 on a failure.
 */
export async function run(argv: string[], io: CliIo, deps: CliDeps): Promise<number> {
  try {
    return await evaluate(argv, io, deps);
  } catch (err) {
    line(io.stderr, `错误 / error: ${(err as Error).message}`);
    return 2;
  }
}

async function evaluate(argv: string[], io: CliIo, deps: CliDeps): Promise<number> {
  const args = parseArgs(argv, ["index", "questions", "only", "modes"]);
  const settings = loadSettings({ ...io.env, LLM_BASE_URL: "", EMBEDDINGS_BASE_URL: "" });
  const corpusDir = path.resolve(io.cwd, settings.CORPUS_DIR);
  const log = (l: string) => line(io.stdout, l);
  const file = args.values.get("questions");
  const sets = file ? [{ name: file, file }] : SETS;
  const modes = (args.values.get("modes") ?? (file ? "hybrid,dense,lexical" : "hybrid")).split(",") as RetrievalMode[];
  const indexDir = path.resolve(io.cwd, args.values.get("index") ?? settings.NIANBAO_INDEX_DIR);
  const engines = new Map<RetrievalMode, CliEngine>();
  for (const mode of modes) engines.set(mode, await deps.openEngine({ indexDir, corpusDir, settings, mode }));
  const summary: string[] = [];
  for (const set of sets) {
    let items: EvalItem[] = readFileSync(path.resolve(io.cwd, set.file), "utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
    const only = args.values.get("only");
    if (only) items = items.filter((i) => i.id.startsWith(only) || i.type === only);
    const counts = new Map<string, number>();
    items.forEach((i) => counts.set(i.type, (counts.get(i.type) ?? 0) + 1));
    log(`\n=== ${set.name}: ${items.length} questions (${[...counts].map(([k, v]) => `${k} ${v}`).join(", ")})`);

    const results: Array<[string, EvalScores, EvalOutcome[]]> = [];
    for (const mode of modes) {
      const t0 = performance.now();
      const outs = await runEngine(engines.get(mode)!, items);
      const ms = (performance.now() - t0) / items.length;
      const name = mode === "hybrid" ? "nianbao (hybrid)" : `${mode}-only retrieval`;
      results.push([name, score(items, outs), outs]);
      line(io.stderr, `${set.name} · ${name}: ${ms.toFixed(1)} ms/question`);
    }
    const naive = await naiveOutcomes(deps, corpusDir, items);
    results.push(["naive 500/100 + BM25", score(items, naive), naive]);

    log("pipeline               accuracy hit@1   hit@3   MRR     refusal-acc  false-refusals");
    for (const [name, s] of results) log(row(name, s));
    summary.push(`${set.name.padEnd(10)} nianbao ${results[0][1].answerAccuracy.toFixed(3)} (citation@3 ${citationAt3(results[0][1])}, refusals ${results[0][1].refusalAccuracy.toFixed(3)}) · naive ${results[results.length - 1][1].answerAccuracy.toFixed(3)}`);

    const [, main, outs] = results[0];
    const byType = new Map<string, { n: number; ok: number }>();
    items.forEach((item) => {
      const e = byType.get(item.type) ?? { n: 0, ok: 0 };
      e.n++;
      if (!main.failures.includes(item.id)) e.ok++;
      byType.set(item.type, e);
    });
    for (const line of groupReport(items, outs)) log(line);
    // Rule items name their governing clause: its rank in the first stage, ours beside the naive windows'.
    const firstStage = engines.get(modes[0])!.firstStage?.bind(engines.get(modes[0]));
    if (firstStage && items.some((i) => i.first_citation_any?.length)) {
      const first = [];
      for (const i of items) first.push(await firstStage(i.question));
      const line = retrievalLine(retrievalScores(items, first), retrievalScores(items, naive.map((o) => o.ranked.map((r) => ({ section: "", quote: r.section })))));
      log(line);
      summary.push(`${set.name.padEnd(10)} ${line}`);
    }
    log(`nianbao accuracy by type: ${[...byType].map(([k, v]) => `${k} ${v.ok}/${v.n}`).join(", ")}`);
    if (main.failures.length) {
      log(`failures (${main.failures.length}): ${main.failures.join(" ")}`);
      if (args.flags.has("verbose"))
        for (const id of main.failures) {
          const i = items.findIndex((x) => x.id === id);
          const a = outs[i].answer;
          log(`\n--- ${id} ${items[i].question}\n expected ${JSON.stringify(items[i].answer_any)} from ${items[i].sources.join(",")} ${(items[i].section_any ?? []).join(",")}\n got found=${a.found}: ${a.answer.split("\n").slice(0, 2).join(" / ").slice(0, 300)}\n cites: ${a.citations.slice(0, 3).map((c) => `${c.source} ${c.section}`).join(" | ")}`);
        }
    }
  }
  log(`\nsummary\n${summary.join("\n")}`);
  await write(io.stdout, "");
  return 0;
}
