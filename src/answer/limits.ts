/**
 * The one question-length rule for every channel (Telegram, terminal, HTTP) and the engine: length is counted
 * in characters (Unicode code points, as a person counts them), never in UTF-16 units — 500 emoji are 500
 * characters, not 1000.
 */

/** Characters (code points) in `text`. */
export function questionLength(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // A high surrogate followed by a low one is one character.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

export type LengthCheck = { ok: true; length: number } | { ok: false; length: number; max: number; message: string };

/** Whether a (normalized) question fits `max` characters; the refusal message is the same everywhere. */
export function checkQuestionLength(question: string, max: number): LengthCheck {
  const length = questionLength(question);
  if (length <= max) return { ok: true, length };
  return { ok: false, length, max, message: `问题过长（${length}字），请控制在${max}字以内。` };
}
