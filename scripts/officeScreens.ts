/**
 * `npm run docs:office`: the README's pictures of the office bots' answers, taken from the tests' fakes. The real
 * engine (an index built from corpus/ in a temporary folder) answers through each platform's official SDK, the
 * shared core and the platform's renderer; what each fake platform received is drawn as a plain chat (a small
 * markdown reader below, not the platform's client) and photographed with Debian's chromium into
 * docs/channels/<platform>.png. The pictures show the content and its layout, not the platforms' own styling.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { openEngine } from "../src/app/open.js";
import { defaultDeps } from "../src/cli/deps.js";
import { settingsSchema } from "../src/config.js";
import { PLATFORM_NAMES } from "../src/office/types.js";
import { OFFICE_PLATFORMS } from "../test/office/platforms.js";
import type { FakeSent } from "../test/helpers/office/fake.js";

const QUESTIONS: Array<{ chatType: "private" | "group"; text: string }> = [
  { chatType: "private", text: "平潭综合实验区2019年收到多少件政府信息公开申请？" },
  { chatType: "private", text: "原文 1" },
  { chatType: "group", text: "申请内容不明确的，行政机关应当怎么办？" },
];

const esc = (s: string) => s.replace(/&(?!#?\w+;)/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Enough markdown for the pictures: fences, tables, quotes, lists, bold, italics, links, backslash escapes. */
export function markdownHtml(md: string): string {
  const inline = (s: string) =>
    esc(s)
      .replace(/\\([\\`*_[\]#|<>()!.+-])/g, (_, c: string) => `&#${c.charCodeAt(0)};`)
      .replace(/\*\*(.+?)\*\*/g, "<b>$1</b>")
      .replace(/(^|[^*])\*(?!\s)(.+?)\*/g, "$1<i>$2</i>")
      .replace(/\[([^\]]+)\]\((https?:[^)\s]+)\)/g, '<a href="$2">$1</a>')
      .replace(/ {2}$/, "");
  const out: string[] = [];
  const lines = md.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l.startsWith("```")) {
      const body: string[] = [];
      while (++i < lines.length && !lines[i].startsWith("```")) body.push(lines[i]);
      out.push(`<pre>${esc(body.join("\n"))}</pre>`);
    } else if (/^\|.*\|\s*$/.test(l)) {
      const rows: string[][] = [];
      for (; i < lines.length && /^\|.*\|\s*$/.test(lines[i]); i++) if (!/^\|[\s:|-]+\|\s*$/.test(lines[i])) rows.push(lines[i].trim().slice(1, -1).split("|"));
      i--;
      out.push(`<table>${rows.map((r, k) => `<tr>${r.map((c) => (k ? `<td>${inline(c.trim())}</td>` : `<th>${inline(c.trim())}</th>`)).join("")}</tr>`).join("")}</table>`);
    } else if (l.startsWith(">")) out.push(`<blockquote>${inline(l.replace(/^>\s?/, ""))}</blockquote>`);
    else if (/^\s*[-*] /.test(l)) out.push(`<div class="li">• ${inline(l.replace(/^\s*[-*] /, ""))}</div>`);
    else if (/^#{1,6} /.test(l)) out.push(`<div class="h">${inline(l.replace(/^#+ /, ""))}</div>`);
    else if (l.trim() === "") out.push('<div class="gap"></div>');
    else out.push(`<div>${inline(l)}</div>`);
  }
  return out.join("\n");
}

function page(title: string, turns: Array<{ user: string; sent: FakeSent[] }>): string {
  const bubbles = turns
    .map(
      (t) =>
        `<div class="me">${esc(t.user)}</div>` +
        t.sent.map((s) => `<div class="bot">${s.type === "file" ? `📎 ${esc(s.content)}` : markdownHtml(s.content)}<div class="tag">${esc(s.type)}</div></div>`).join(""),
    )
    .join("");
  return `<!doctype html><meta charset="utf-8"><style>
  body{font:14px/1.55 "Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;background:#eef0f3;margin:0;padding:12px;width:560px}
  h1{font-size:15px;margin:0 0 10px;color:#333}.me{background:#95ec69;margin:8px 0 8px auto;padding:8px 10px;border-radius:6px;max-width:75%;width:fit-content}
  .bot{background:#fff;margin:8px auto 8px 0;padding:8px 10px;border-radius:6px;max-width:92%;position:relative}
  .tag{position:absolute;right:6px;top:2px;font-size:10px;color:#aaa}pre{background:#f5f5f5;padding:6px;overflow:hidden;font-size:12px}
  blockquote{margin:2px 0;padding-left:8px;border-left:3px solid #ccc;color:#555}table{border-collapse:collapse;margin:4px 0}
  td,th{border:1px solid #ddd;padding:2px 6px;font-size:12px}.gap{height:6px}a{color:#1a5fb4}.h{font-weight:bold}
  </style><h1>${esc(title)}</h1>${bubbles}`;
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "nianbao-office-screens-"));
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium" });
  try {
    const settings = settingsSchema.parse({});
    const engine = await openEngine({ indexDir: path.join(tmp, "index"), corpusDir: "corpus", settings });
    for (const p of OFFICE_PLATFORMS) {
      const fake = await p.startFake();
      const s = settingsSchema.parse({ ...fake.settings, OFFICE_STATE_DIR: path.join(tmp, p.id) });
      const bot = await defaultDeps().launchOffice!(engine, s, () => {}, { cwd: tmp });
      const turns: Array<{ user: string; sent: FakeSent[] }> = [];
      try {
        for (const q of QUESTIONS) {
          const chat = q.chatType === "group" ? "group-screens" : fake.privateChatOf("screens");
          const before = fake.sent(chat).length;
          await fake.deliver({ chatType: q.chatType, chatId: chat, userId: "screens", text: q.text, mentioned: true });
          const sent = (await fake.waitForSent(chat, before + 1, 60_000)).slice(before);
          await new Promise((r) => setTimeout(r, 300)); // a split answer's later parts
          turns.push({ user: q.chatType === "group" ? `（群聊）@年报 ${q.text}` : q.text, sent: fake.sent(chat).slice(before).length > sent.length ? fake.sent(chat).slice(before) : sent });
        }
      } finally {
        await bot.stop();
        await fake.close();
      }
      const html = page(`${PLATFORM_NAMES[p.id]}（测试用模拟平台收到的消息）`, turns);
      const file = path.join(tmp, `${p.id}.html`);
      writeFileSync(file, html);
      const tab = await browser.newPage({ viewport: { width: 584, height: 400 }, deviceScaleFactor: 1 });
      await tab.goto(`file://${file}`);
      const out = path.join("docs", "channels", `${p.id}.png`);
      await tab.screenshot({ path: out, fullPage: true });
      await tab.close();
      console.log(`${out}: ${turns.map((t) => t.sent.length).join("+")} messages`);
    }
    (engine as { close?: () => void }).close?.();
  } finally {
    await browser.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
