/** One part of a multipart/form-data body. */
export interface MultipartPart {
  /** The part's name ("" when its headers give none). */
  name: string;
  filename?: string;
  bytes: Buffer;
}

/**
 * The parts of a multipart/form-data body, as the fakes of the platforms' upload endpoints read them (the fake
 * Telegram Bot API, the fake Feishu); null when the content type names no boundary. A part without a header/body
 * separator is left out.
 */
export function multipartParts(body: Buffer, contentType: string): MultipartPart[] | null {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (!boundary) return null;
  const delim = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const parts: MultipartPart[] = [];
  let at = body.indexOf(delim);
  while (at >= 0) {
    const start = at + delim.length;
    if (body.subarray(start, start + 2).toString() === "--") break;
    const next = body.indexOf(delim, start);
    if (next < 0) break;
    const part = body.subarray(start + 2, next - 2); // after CRLF, before CRLF
    const sep = part.indexOf("\r\n\r\n");
    if (sep >= 0) {
      const head = part.subarray(0, sep).toString("utf8");
      const filename = /filename=("?)([^"\r\n;]+)\1/.exec(head)?.[2];
      parts.push({ name: /name="([^"]*)"/i.exec(head)?.[1] ?? "", ...(filename !== undefined ? { filename } : {}), bytes: Buffer.from(part.subarray(sep + 4)) });
    }
    at = next;
  }
  return parts;
}
