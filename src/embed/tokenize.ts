import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Jieba } from "@node-rs/jieba";

/**
 * Tokenizing and term processing are separate, pluggable functions (as in MiniSearch):
 * a Tokenizer turns text into raw terms, a TermProcessor normalizes or drops each one.
 */
export type Tokenizer = (text: string) => string[];
export type TermProcessor = (term: string) => string | null;

let jieba: Jieba | null = null;
function getJieba(): Jieba {
  // Loading the dictionary takes ~150 ms; do it once, on first use. Its file is read here rather than through
  // "@node-rs/jieba/dict.js", which also reads the 6 MB idf.txt (keyword extraction's, unused) at import time.
  jieba ??= Jieba.withDict(readFileSync(createRequire(import.meta.url).resolve("@node-rs/jieba/dict.txt")));
  return jieba;
}

/** Full-width digits and letters to ASCII so "２０１３" and "2013" are one term. */
export function normalizeWidth(text: string): string {
  return text.replace(/[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
}

const STOPWORDS = new Set(
  "的 了 和 与 及 或 等 在 对 为 是 将 把 被 由 从 向 于 以 并 其 之 而 也 都 就 要 有 中 上 下 个 这 那 我 你 他 她 它 们 啊 吗 呢 吧 么 什么 怎么 怎样 如何 哪些 哪个 多少 请问 请 一下 一个 可以 是否 有没有 告诉 我们 你们 进行 方面 相关 有关 工作 情况".split(
    " ",
  ),
);


/** CJK Unified Ideographs with Extension A: the characters bigrams are made of. */
export const CJK_FIRST = 0x3400;
export const CJK_LAST = 0x9fff;
const CJK_RUN = new RegExp(`[${String.fromCharCode(CJK_FIRST)}-${String.fromCharCode(CJK_LAST)}]+`, "g");

/** A letter or digit of the scripts that occur in the corpus (CJK, Latin, digits); cheaper than \p{L}. */
const WORD_CHAR = /[0-9A-Za-z\u3400-\u9fff\uf900-\ufaff\u00c0-\u024f]/;

/** Drops punctuation, whitespace and function words; lower-cases Latin. */
export const defaultTermProcessor: TermProcessor = (term) => {
  // Most terms are CJK words and bigrams: nothing to trim or lower-case, only stop words to drop.
  const c = term.charCodeAt(0);
  if (c >= CJK_FIRST && c <= CJK_LAST && term.length <= 8) return STOPWORDS.has(term) ? null : term;
  const t = term.trim().toLowerCase();
  if (!t || !WORD_CHAR.test(t)) return null;
  if (STOPWORDS.has(t)) return null;
  return t;
};

/** jieba words, each character in exactly one word (for phrases shown or matched as written). */
export const jiebaWords: Tokenizer = (text) => getJieba().cut(normalizeWidth(text), false);

/** jieba words (search mode: long words also yield their parts). */
export const jiebaTokenizer: Tokenizer = (text) => getJieba().cutForSearch(normalizeWidth(text), false);

/** Overlapping character bigrams inside runs of CJK characters: robust to segmentation errors and OCR slips. */
export const bigramTokenizer: Tokenizer = (text) => {
  const out: string[] = [];
  for (const run of normalizeWidth(text).match(CJK_RUN) ?? []) {
    if (run.length === 1) continue;
    for (let i = 0; i + 1 < run.length; i++) out.push(run.slice(i, i + 2));
  }
  return out;
};

export interface AnalyzerOptions {
  tokenizers: Tokenizer[];
  processTerm: TermProcessor;
}

/** Words carry more meaning than bigrams; bigrams are prefixed so the two never collide. */
/**
 * Prefixed terms ("1:公开") interned per tokenizer, looked up by the raw term: a corpus repeats a few hundred
 * thousand distinct terms millions of times, and building each prefixed string anew kept the garbage collector
 * busy for seconds.
 */
const PREFIXED: Array<Map<string, string>> = [];
const MAX_INTERNED = 2_000_000;

export function prefixed(k: number, term: string): string {
  const cache = (PREFIXED[k] ??= new Map());
  let p = cache.get(term);
  if (p === undefined) {
    p = `${k}:${term}`;
    if (cache.size < MAX_INTERNED) cache.set(term, p);
  }
  return p;
}

export function analyze(text: string, opts: AnalyzerOptions = DEFAULT_ANALYZER): string[] {
  const out: string[] = [];
  opts.tokenizers.forEach((tok, k) => {
    for (const raw of tok(text)) {
      const t = opts.processTerm(raw);
      if (t !== null) out.push(k === 0 ? t : prefixed(k, t));
    }
  });
  return out;
}

export const DEFAULT_ANALYZER: AnalyzerOptions = {
  tokenizers: [jiebaTokenizer, bigramTokenizer],
  processTerm: defaultTermProcessor,
};
