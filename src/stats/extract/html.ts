import { load } from "cheerio";
import type { ReportStatistics } from "../types.js";
import { extractStatistics } from "./index.js";

/**
 * A reader over raw HTML for the statistics: every <table> row becomes one "a | b | c" line, keeping what
 * the tables need — one field per cell (empty cells stay empty fields, so numbers keep their columns), a
 * number split across <span>s or &nbsp; joined back, rowspan label cells not repeated (rows are matched by
 * their own label). Text outside tables keeps its block line breaks for the narrative.
 */

interface Node {
  type: string;
  name?: string;
  data?: string;
  attribs?: Record<string, string>;
  children?: Node[];
}

const BLOCK = new Set(["p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "table", "tr", "ul", "ol", "center", "blockquote"]);
const SKIP = new Set(["script", "style", "noscript", "template"]);

function textOf(n: Node): string {
  if (n.type === "text") return n.data ?? "";
  if (n.name && SKIP.has(n.name)) return "";
  return (n.children ?? []).map(textOf).join("");
}

/** A cell's text: whitespace collapsed, and removed between digits (one cell holds one value). */
export function cellText(raw: string): string {
  return raw
    .replace(/[\s\u00a0\u3000]+/g, " ")
    .trim()
    .replace(/(\d) (?=[\d.])/g, "$1")
    .replace(/(\.) (?=\d)/g, "$1");
}

function rowsOf(table: Node): string[] {
  const lines: string[] = [];
  const walk = (n: Node) => {
    if (n.type !== "tag") return;
    if (n.name === "table" && n !== table) return; // nested tables are read on their own
    if (n.name === "tr") {
      const cells = (n.children ?? []).filter((c) => c.type === "tag" && (c.name === "td" || c.name === "th")).map((c) => cellText(textOf(c)));
      if (cells.some((c) => c !== "")) lines.push(cells.join(" | "));
      return;
    }
    for (const c of n.children ?? []) walk(c);
  };
  walk(table);
  return lines;
}

/** Page text with each table rendered as pipe rows. */
export function htmlToStatsText(html: string): string {
  const $ = load(html);
  const root = ($("body")[0] ?? $.root()[0]) as unknown as Node;
  const lines: string[] = [];
  let cur = "";
  const flush = () => {
    if (cur.trim()) lines.push(cur.replace(/[ \t\u00a0]+/g, " ").trim());
    cur = "";
  };
  const walk = (n: Node) => {
    if (n.type === "text") {
      cur += (n.data ?? "").replace(/\s+/g, " ");
      return;
    }
    if (n.type !== "tag" && n.type !== "root") return;
    if (n.name && SKIP.has(n.name)) return;
    if (n.name === "table") {
      flush();
      lines.push(...rowsOf(n));
      return;
    }
    const block = n.name ? BLOCK.has(n.name) : false;
    if (block) flush();
    for (const c of n.children ?? []) walk(c);
    if (block) flush();
  };
  walk(root);
  flush();
  return lines.join("\n");
}

/** Statistics of an HTML report read from its raw HTML. Spans refer to the text `htmlToStatsText` returns. */
export function extractStatisticsFromHtml(html: string, meta: { year: number | null; source: string }): ReportStatistics & { text: string } {
  const text = htmlToStatsText(html);
  return { ...extractStatistics(text, meta), text };
}
