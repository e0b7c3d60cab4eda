import type { AnswerEngine } from "../answer/api.js";
import { allowedIds, type Settings } from "../config.js";
import type { OfficeRenderer } from "../present/office.js";
import type { DraftCheck } from "../stats/api.js";
import { createOfficeBot, officeStateFile, type OfficeBot } from "./core.js";
import { PLATFORM_NAMES, type OfficeLog, type Platform, type Transport, type TransportOptions } from "./types.js";

/** A platform as the launcher needs it: its transport and its renderer (the wiring loads each on first use). */
export interface PlatformModule {
  transport(opts: TransportOptions): Transport;
  renderer: OfficeRenderer;
}

export type PlatformLoaders = Record<Platform, () => Promise<PlatformModule>>;

/** The platforms whose credentials are set, in a fixed order. */
export function configuredPlatforms(s: Settings): Platform[] {
  const out: Platform[] = [];
  if (s.WECOM_BOT_ID && s.WECOM_BOT_SECRET) out.push("wecom");
  if (s.DINGTALK_CLIENT_ID && s.DINGTALK_CLIENT_SECRET) out.push("dingtalk");
  if (s.FEISHU_APP_ID && s.FEISHU_APP_SECRET) out.push("feishu");
  return out;
}

const ALLOWED: Record<Platform, keyof Settings> = { wecom: "WECOM_ALLOWED", dingtalk: "DINGTALK_ALLOWED", feishu: "FEISHU_ALLOWED" };

export interface LaunchOfficeOptions {
  engine: AnswerEngine;
  settings: Settings;
  log: OfficeLog;
  loaders: PlatformLoaders;
  /** Base of OFFICE_STATE_DIR. */
  cwd: string;
  checkDraft?: (bytes: Buffer, filename: string) => Promise<DraftCheck>;
  /** Plain lines for people (npm start prints them). */
  notice?: (line: string) => void;
}

/**
 * Starts a bot for every platform whose credentials are set. Rejects (after stopping those already started) with
 * the first platform's coded error when one cannot connect, so that `npm start` says which and exits.
 */
export async function launchOfficeBots(opts: LaunchOfficeOptions): Promise<{ platforms: Platform[]; stop(): Promise<void> }> {
  const started: OfficeBot[] = [];
  const platforms = configuredPlatforms(opts.settings);
  try {
    for (const p of platforms) {
      const mod = await opts.loaders[p]();
      const bot = createOfficeBot({
        transport: mod.transport({ settings: opts.settings, log: opts.log }),
        renderer: mod.renderer,
        engine: opts.engine,
        settings: opts.settings,
        allowed: allowedIds(opts.settings[ALLOWED[p]] as string | undefined),
        stateFile: officeStateFile(opts.settings, p, opts.cwd),
        log: opts.log,
        checkDraft: opts.checkDraft,
      });
      await bot.start();
      started.push(bot);
      opts.notice?.(`${PLATFORM_NAMES[p]}机器人（长连接）已启动。`);
    }
  } catch (err) {
    await Promise.allSettled(started.map((b) => b.stop()));
    throw err;
  }
  return { platforms, stop: async () => void (await Promise.allSettled(started.map((b) => b.stop()))) };
}
