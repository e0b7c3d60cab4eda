import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { allowedChatIds, loadSettings, settingsSchema } from "../src/config.js";
import { ConfigError, redact } from "../src/errors.js";

describe("settings", () => {
  it("has working defaults for an empty environment (the offline default)", () => {
    const s = loadSettings({});
    expect(s).toMatchObject({ CORPUS_DIR: "corpus", NIANBAO_INDEX_DIR: "data/index", MAX_QUESTION_CHARS: 500, RATE_LIMIT_PER_MINUTE: 10, LOG_LEVEL: "info" });
    expect(s.LLM_BASE_URL).toBeUndefined();
    expect(s.TELEGRAM_BOT_TOKEN).toBeUndefined();
  });

  it("treats empty strings as unset and coerces numbers", () => {
    const s = loadSettings({ LLM_BASE_URL: "", MAX_QUESTION_CHARS: "300", ALLOWED_CHAT_IDS: " 1, -1002 " });
    expect(s.LLM_BASE_URL).toBeUndefined();
    expect(s.MAX_QUESTION_CHARS).toBe(300);
    expect(allowedChatIds(s)).toEqual(new Set([1, -1002]));
  });

  it("refuses a bad value with an error naming the setting", () => {
    for (const [env, key] of [
      [{ TELEGRAM_API_ROOT: "not a url" }, "TELEGRAM_API_ROOT"],
      [{ MAX_QUESTION_CHARS: "0" }, "MAX_QUESTION_CHARS"],
      [{ ALLOWED_CHAT_IDS: "12,abc" }, "ALLOWED_CHAT_IDS"],
      [{ LOG_LEVEL: "loud" }, "LOG_LEVEL"],
      [{ LLM_BASE_URL: "http://127.0.0.1:1/v1" }, "LLM_MODEL"],
      [{ WEBHOOK_URL: "https://example.org/hook" }, "WEBHOOK_SECRET"],
    ] as const) {
      expect(() => loadSettings(env)).toThrow(ConfigError);
      expect(() => loadSettings(env)).toThrow(key);
    }
  });

  it("documents every setting in .env.example", () => {
    const example = readFileSync(".env.example", "utf8");
    for (const key of Object.keys(settingsSchema.shape)) expect(example, key).toMatch(new RegExp(`^#? ?${key}=`, "m"));
  });

  it("redacts bot tokens, API keys and given secrets", () => {
    const token = "123456789:AAFakeTokenForTestsOnly_abcdefghijklmno";
    expect(redact(`GET /bot${token}/getMe with sk-abcdefghijkl and hunter22`, ["hunter22"])).toBe("GET /bot***/getMe with sk-*** and ***");
  });
});
