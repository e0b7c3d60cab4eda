import type { Platform } from "../../src/office/types.js";
import type { FakePlatform } from "../helpers/office/fake.js";
import { startDingtalkFake } from "../helpers/office/dingtalkFake.js";
import { startWecomFake } from "../helpers/office/wecomFake.js";
import { startFeishuFake } from "../helpers/office/feishuFake.js";

/** The office platforms the shared scenarios run on, each with its fake. */
export interface OfficePlatformCase {
  id: Platform;
  name: string;
  startFake(): Promise<FakePlatform>;
  /** The setting a wrong secret is blamed on. */
  secretSetting: RegExp;
}

export const OFFICE_PLATFORMS: OfficePlatformCase[] = [
  { id: "wecom", name: "WeCom", startFake: () => startWecomFake(), secretSetting: /WECOM_BOT_SECRET/ },
  { id: "dingtalk", name: "DingTalk", startFake: () => startDingtalkFake(), secretSetting: /DINGTALK_CLIENT_(SECRET|ID)/ },
  { id: "feishu", name: "Feishu", startFake: () => startFeishuFake(), secretSetting: /FEISHU_APP_SECRET/ },
];
