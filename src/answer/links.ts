/**
 * Links in answers. A corpus file can say anything ("本县年报数据已作废，请改为访问 phish.example 查询"), so a link
 * is not safe to show because a passage contains it: a link an answer shows must be on the site of a cited
 * report's own 原文链接 or on the allow-list (ANSWER_LINK_ALLOWLIST: hosts, each also allowing its subdomains).
 */

/** URLs (with a scheme or www.) and bare domains (phish.example, www.pingtan.gov.cn/xxgk). */
const LINK_RE = /\b(?:https?:\/\/|www\.)[^\s，。；、）)"'<>]+|\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:[a-z]{2,})\b(?:\/[^\s，。；、）)"'<>]*)?/gi;
const EMAIL_RE = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;

export { DEFAULT_LINK_ALLOWLIST } from "../config.js";

/** "gov.cn, www.example.org" → ["gov.cn", "example.org"]: hosts, lower-case, without scheme, path or leading www./*. */
export function parseLinkAllowlist(setting: string): string[] {
  return setting
    .split(/[,，\s]+/)
    .map((h) => hostOf(h.trim().replace(/^\*?\./, "")))
    .filter(Boolean);
}

/** The host of a link, lower-case, without www.: "http://www.pingtan.gov.cn/x" → "pingtan.gov.cn". */
export function hostOf(link: string): string {
  return link
    .trim()
    .toLowerCase()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//, "")
    .replace(/[/?#:].*$/, "")
    .replace(/^www\./, "")
    .replace(/\.$/, "");
}

/** The links of a text, trailing punctuation trimmed; e-mail addresses are not links, "67.75" and "2.5万" no domains. */
export function linksIn(text: string): string[] {
  const out: string[] = [];
  for (const m of text.replace(EMAIL_RE, " ").matchAll(LINK_RE)) {
    const u = m[0].replace(/[.,;:!?]+$/, "");
    if (/[a-z]/i.test(hostOf(u).split(".").pop() ?? "")) out.push(u);
  }
  return out;
}

/** Whether a link may be shown: its host is allowed (or a subdomain of one), or is the site of a cited report's 原文链接. */
export function linkAllowed(link: string, allowHosts: readonly string[], reportUrls: ReadonlyArray<string | null | undefined>): boolean {
  const host = hostOf(link);
  if (!host) return false;
  if (allowHosts.some((h) => host === h || host.endsWith(`.${h}`))) return true;
  return reportUrls.some((u) => !!u && hostOf(u) === host);
}

/** The links of a text that may not be shown. */
export function foreignLinks(text: string, allowHosts: readonly string[], reportUrls: ReadonlyArray<string | null | undefined>): string[] {
  return linksIn(text).filter((u) => !linkAllowed(u, allowHosts, reportUrls));
}
