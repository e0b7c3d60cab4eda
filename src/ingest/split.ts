/**
 * Splits one file's text into the documents it holds. A scraped page can carry several reports, each
 * introduced by the page title of its own entry ("沈阳市2013年度政府信息公开工作报告_百度百科").
 */

/** A line that is a site page title: "<document title>_<site name>". */
const PAGE_TITLE = /^(.{4,80}?(?:报告|条例|规定|解释|通知))\s*[_|｜-]\s*[\u4e00-\u9fa5A-Za-z]{2,12}\s*$/;

export interface DocumentPart {
  /** Title taken from the page title line, when there was one. */
  pageTitle: string | null;
  text: string;
}

export function splitDocuments(text: string): DocumentPart[] {
  const lines = text.split("\n");
  const starts: Array<{ line: number; title: string }> = [];
  lines.forEach((l, i) => {
    const m = l.trim().match(PAGE_TITLE);
    if (m) starts.push({ line: i, title: m[1].trim() });
  });
  if (starts.length === 0) return [{ pageTitle: null, text: text.trim() }];
  const parts: DocumentPart[] = [];
  starts.forEach((s, k) => {
    const end = k + 1 < starts.length ? starts[k + 1].line : lines.length;
    const body = lines.slice(s.line + 1, end).join("\n").trim();
    // The page title is repeated as the entry heading; keep it so the report starts with its title.
    if (body.length > 0) parts.push({ pageTitle: s.title, text: body.startsWith(s.title) ? body : `${s.title}\n${body}` });
  });
  // Text before the first page title is the hosting page's own header (a search query, a site name).
  return parts;
}
