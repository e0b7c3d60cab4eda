/**
 * The header a site crawler writes above a page's text (标题 / 发布时间 / 文号 / 发布机构 / 栏目 / 原文链接 /
 * 本地目录 / …, then a "==== 正文 ====" rule). Its title, publication date and original URL are kept on the
 * report; the header itself never reaches the text.
 */

export interface PageHeader {
  title: string | null;
  /** YYYY-MM-DD. */
  published: string | null;
  url: string | null;
  /** 发布机构 as the crawler recorded it (often blank or the portal's name: used only when the text names no body). */
  agency: string | null;
}

const RULE = /^=+\s*正文\s*=+[ \t]*$/m;
const FIELD = /^(标题|发布时间|文号|发布机构|栏目|原文链接|本地目录)[:：][ \t]*(.*)$/gm;

/** Splits a crawler header off the text; text without one comes back unchanged with an empty header. */
export function splitPageHeader(text: string): { header: PageHeader; text: string } {
  const head = text.slice(0, 2000);
  const rule = RULE.exec(head);
  if (!rule || !/^\s*标题[:：]/.test(head)) return { header: { title: null, published: null, url: null, agency: null }, text };
  const fields = new Map<string, string>();
  for (const m of head.slice(0, rule.index).matchAll(FIELD)) fields.set(m[1], m[2].trim());
  const date = fields.get("发布时间")?.match(/(\d{4})-(\d{1,2})-(\d{1,2})/);
  const url = fields.get("原文链接") ?? "";
  return {
    header: {
      // A report posted inside its cover letter ("关于报送《…年度报告》的函") is titled by the report.
      title: fields.get("标题")?.replace(/^关于报送《\s*(.+?)\s*》的函$/, "$1").replace(/\s+/g, "") || null,
      published: date ? `${date[1]}-${date[2].padStart(2, "0")}-${date[3].padStart(2, "0")}` : null,
      url: /^https?:\/\/\S+$/.test(url) ? url : null,
      agency: fields.get("发布机构") || null,
    },
    text: text.slice(rule.index + rule[0].length).replace(/^\s*\n/, ""),
  };
}
