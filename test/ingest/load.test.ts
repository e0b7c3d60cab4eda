import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import iconv from "iconv-lite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LoadError } from "../../src/errors.js";
import { decodeText, loadFile, SUPPORTED_EXTENSIONS } from "../../src/ingest/load.js";
import type { LoadedFile } from "../../src/types.js";

const CORPUS = fileURLToPath(new URL("../../corpus/", import.meta.url));
const corpusPath = (name: string) => path.join(CORPUS, name);
const cjkCount = (s: string) => s.match(/\p{Script=Han}/gu)?.length ?? 0;

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "nianbao-load-"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function tmpFile(name: string, data: Buffer | string): string {
  const p = path.join(tmp, name);
  writeFileSync(p, data);
  return p;
}

/** First sentences of a real report, used as paragraph content in synthetic HTML/DOCX files. */
function realSentences(n: number): string[] {
  const text = readFileSync(corpusPath("平潭综合实验区-2023-年度报告.txt"), "utf8");
  return text.split("。").slice(0, n).map((s) => `${s}。`);
}

describe("loadFile: PDF", () => {
  const cases = [
    {
      file: "洪泽区人民政府-2023-年度报告.pdf",
      // This sentence is hard-wrapped after "申请" in the PDF and must come out on one line.
      sentence: "2023年全区受理政府信息公开申请21件，均在法定期限答复。",
      // Spans the page 1 → page 2 break (page number "- 2 -" sits in between).
      acrossPages: "严格执行“分级审核、先审后发”程序，落实“三审三校”制度",
      row: "行政许可 | 550",
    },
    {
      file: "洪泽区人民政府-2024-年度报告.pdf",
      sentence: "2024年，区政府办代表区政府受理政府信息公开申请17件，均已在法定期限内予以答复。",
      acrossPages: "针对存在问题，2025年我们将切实抓好以下工作：一是扎实推进依申请公开工作",
      row: "行政许可 | 9487",
    },
  ];

  const loaded = new Map<string, LoadedFile>();
  beforeAll(async () => {
    for (const c of cases) loaded.set(c.file, await loadFile(corpusPath(c.file), c.file));
  });

  it.each(cases)("$file yields Chinese text with CJK fonts decoded", ({ file }) => {
    const doc = loaded.get(file)!;
    expect(doc).toMatchObject({ source: file, format: "pdf", encoding: null });
    expect(doc.text).toContain("政府信息公开");
    expect(doc.text).toContain("洪泽");
    // The 5-page reports hold ~1,600-1,750 Han characters in their text layer (tables are sparse).
    expect(cjkCount(doc.text)).toBeGreaterThan(1500);
    expect(doc.text).not.toMatch(/[\ufffd\u0000\t]/);
  });

  it.each(cases)("$file has no page-number lines", ({ file }) => {
    const lines = loaded.get(file)!.text.split("\n");
    for (const l of lines) {
      expect(l).not.toMatch(/^\s*[-—–]\s*\d+\s*[-—–]\s*$/);
      expect(l).not.toMatch(/^\s*\d+\s*$/);
      expect(l).not.toMatch(/^\s*第\s*\d+\s*页/);
    }
  });

  it.each(cases)("$file re-joins sentences broken by line and page wraps", ({ file, sentence, acrossPages }) => {
    const lines = loaded.get(file)!.text.split("\n");
    expect(lines.some((l) => l.includes(sentence))).toBe(true);
    expect(lines.some((l) => l.includes(acrossPages))).toBe(true);
    // No prose line ends mid-sentence right before another prose line that continues it.
    expect(loaded.get(file)!.text).not.toMatch(/受理政府信息公开\n申请/);
  });

  it.each(cases)("$file keeps headings at line starts and tables one row/item per line", ({ file, row }) => {
    const lines = loaded.get(file)!.text.split("\n");
    for (const h of ["一、总体情况", "二、主动公开政府信息情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]) {
      expect(lines).toContain(h);
    }
    expect(lines.some((l) => l.startsWith("（一）主动公开情况。"))).toBe(true);
    expect(lines).toContain("第二十条第（一）项");
    expect(lines).toContain("信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数");
    expect(lines).toContain(row);
    expect(lines.some((l) => /^（七）总计( \| \d+){7}$/.test(l))).toBe(true);
    // The applicant-type header of the applications table is extracted vertically: one label per line.
    expect(lines).toContain("自然人");
    expect(lines).toContain("法人或其他组织");
  });
});

describe("decodeText / loadFile: text encodings", () => {
  const name = "平潭综合实验区-2021-年度报告.txt";
  const utf8 = readFileSync(corpusPath(name));
  const original = utf8.toString("utf8");

  it("decodes a GB18030 copy of a real report to exactly the UTF-8 text", async () => {
    const gbk = iconv.encode(original, "gb18030");
    expect(gbk.equals(utf8)).toBe(false);
    const file = tmpFile("gbk-report.txt", gbk);
    const doc = await loadFile(file, "gbk-report.txt");
    expect(doc.encoding).toBe("gb18030");
    expect(doc.text).toBe(original);
    expect(doc.text).toContain("本年度全区共收到70件申");
  });

  it("treats UTF-8 with BOM the same as without and reports utf-8", async () => {
    const plain = await loadFile(corpusPath(name), name);
    const bom = await loadFile(tmpFile("bom.txt", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8])), "bom.txt");
    expect(plain.encoding).toBe("utf-8");
    expect(bom.encoding).toBe("utf-8");
    expect(bom.text).toBe(plain.text);
    expect(bom.text.charCodeAt(0)).not.toBe(0xfeff);
  });

  it("decodes UTF-16 with BOM (both byte orders)", () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(original, "utf-16le")]);
    const be = Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode(original, "utf-16be")]);
    expect(decodeText(le).text).toBe(original);
    expect(decodeText(be).text).toBe(original);
  });

  it("normalizes CRLF and CR line ends but leaves other whitespace alone", () => {
    const text = "一、总体情况\r\n　　2023年，我区\r（一）主动公开\n";
    expect(decodeText(Buffer.from(text, "utf8")).text).toBe("一、总体情况\n　　2023年，我区\n（一）主动公开\n");
  });

  it("loads markdown like text", async () => {
    const md = readFileSync(corpusPath("regulation-2019.txt"));
    const doc = await loadFile(tmpFile("reg.md", md), "reg.md");
    expect(doc.format).toBe("md");
    expect(doc.text).toContain("第一章 总则");
  });
});

describe("loadFile: HTML", () => {
  const paras = realSentences(3);
  const page = (charset: string) => `<!DOCTYPE html><html><head><meta charset="${charset}"><title>年报</title>
<style>.x{color:red}</style><script>var menu = "首页";</script></head>
<body>
<div class="top-nav"><a href="/">首页</a> <a>政务公开</a> <a>办事服务</a> <a>互动交流</a></div>
<nav><ul><li>网站地图</li><li>无障碍浏览</li></ul></nav>
<div id="breadcrumb">当前位置：首页 &gt; 政府信息公开 &gt; 年度报告</div>
<div class="wrapper">
  <div class="sidebar"><ul><li>政府信息公开指南</li><li>政府信息公开制度</li></ul></div>
  <div class="article-body">
    <h1>平潭综合实验区2023年政府信息公开工作年度报告</h1>
    ${paras.map((p) => `<p>${p}</p>`).join("\n    ")}
    <p>二、主动公开政府信息情况</p>
    <table>
      <tr><th>信息内容</th><th>本年制发件数</th><th>本年废止件数</th><th>现行有效件数</th></tr>
      <tr><td>规章</td><td>0</td><td>0</td><td>0</td></tr>
      <tr><td>行政规范性文件</td><td>6</td><td>4</td><td>65</td></tr>
    </table>
  </div>
</div>
<footer>版权所有：平潭综合实验区管委会 备案号：闽ICP备</footer>
</body></html>`;

  const check = (doc: LoadedFile) => {
    const lines = doc.text.split("\n");
    expect(doc.format).toBe("html");
    expect(lines[0]).toBe("平潭综合实验区2023年政府信息公开工作年度报告");
    for (const p of paras) expect(lines).toContain(p);
    expect(lines).toContain("信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数");
    expect(lines).toContain("规章 | 0 | 0 | 0");
    expect(lines).toContain("行政规范性文件 | 6 | 4 | 65");
    for (const chrome of ["首页", "办事服务", "互动交流", "网站地图", "当前位置", "政府信息公开指南", "版权所有", "color", "var menu"]) {
      expect(doc.text).not.toContain(chrome);
    }
  };

  it("keeps the article and table rows, drops nav/breadcrumb/sidebar/footer/script", async () => {
    const doc = await loadFile(tmpFile("report.html", page("utf-8")), "report.html");
    expect(doc.encoding).toBe("utf-8");
    check(doc);
  });

  it("honours a declared GBK charset", async () => {
    const doc = await loadFile(tmpFile("report-gbk.htm", iconv.encode(page("gb2312"), "gbk")), "report-gbk.htm");
    expect(doc.encoding).toBe("gb18030");
    check(doc);
  });
});

// --- a minimal stored (uncompressed) ZIP writer: enough for mammoth to read a .docx ---------------
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function zipStored(files: Record<string, string>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of Object.entries(files)) {
    const nameBuf = Buffer.from(name, "utf8");
    const data = Buffer.from(content, "utf8");
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBuf.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBuf, data);
    centrals.push(central, nameBuf);
    offset += 30 + nameBuf.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}
const xmlEscape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
function docx(paragraphs: string[]): Buffer {
  const body = paragraphs.map((p) => `<w:p><w:r><w:t>${xmlEscape(p)}</w:t></w:r></w:p>`).join("");
  return zipStored({
    "[Content_Types].xml":
      '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
      '<Default Extension="xml" ContentType="application/xml"/>' +
      '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
    "_rels/.rels":
      '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
    "word/document.xml":
      '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">' +
      `<w:body>${body}</w:body></w:document>`,
  });
}

describe("loadFile: DOCX", () => {
  it("extracts the paragraphs of a real report as text", async () => {
    const paras = ["平潭综合实验区2023年政府信息公开工作年度报告", "一、总体情况", ...realSentences(2)];
    const doc = await loadFile(tmpFile("report.docx", docx(paras)), "report.docx");
    expect(doc).toMatchObject({ format: "docx", encoding: null });
    expect(doc.text.split("\n").filter((l) => l !== "")).toEqual(paras);
  });
});

describe("loadFile: bad input", () => {
  const expectLoadError = async (file: string, source: string, reason: RegExp) => {
    const err = await loadFile(file, source).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LoadError);
    const le = err as LoadError;
    expect(le.source).toBe(source);
    expect(le.message.startsWith(`${source}: `)).toBe(true);
    expect(le.reason).toMatch(reason);
    expect(le.message).not.toContain("\n");
  };

  it("rejects an empty file", async () => {
    await expectLoadError(tmpFile("empty.txt", ""), "bad/empty.txt", /^empty file$/);
  });

  it("rejects a whitespace-only file", async () => {
    await expectLoadError(tmpFile("blank.md", "\r\n \n\t\n"), "bad/blank.md", /^empty file$/);
  });

  it("rejects random bytes named .txt", async () => {
    // Deterministic pseudo-random bytes (LCG) so the test is reproducible.
    const bytes = Buffer.alloc(4096);
    let x = 12345;
    for (let i = 0; i < bytes.length; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      bytes[i] = x >>> 24;
    }
    await expectLoadError(tmpFile("noise.txt", bytes), "bad/noise.txt", /^binary file, not text$/);
  });

  it("rejects a PDF truncated to its first 1000 bytes", async () => {
    const head = readFileSync(corpusPath("洪泽区人民政府-2023-年度报告.pdf")).subarray(0, 1000);
    await expectLoadError(tmpFile("truncated.pdf", head), "bad/truncated.pdf", /^corrupt or encrypted PDF: \S/);
  });

  it("rejects a .docx that is not a zip", async () => {
    await expectLoadError(tmpFile("fake.docx", "政府信息公开"), "bad/fake.docx", /^corrupt DOCX: \S/);
  });

  it("rejects an unsupported extension without reading it", async () => {
    await expectLoadError(path.join(tmp, "does-not-exist.xyz"), "bad/report.xyz", /^unsupported file type \.xyz$/);
  });

  it("rejects a missing file", async () => {
    await expectLoadError(path.join(tmp, "missing.txt"), "bad/missing.txt", /^cannot read file: /);
  });

  it("lists the supported extensions", () => {
    expect([...SUPPORTED_EXTENSIONS].sort()).toEqual([".docx", ".htm", ".html", ".md", ".pdf", ".txt"]);
  });
});
