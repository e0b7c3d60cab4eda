import type { Settings } from "../config.js";
import type { OutgoingMessage } from "../present/office.js";

export type { OutgoingMessage } from "../present/office.js";

/**
 * The seam between the office bots' shared core (src/office/core.ts: allow-list, rate limits, follow-ups,
 * exactly-once answering, splitting, /export, 查看原文) and one platform's long connection (src/office/wecom.ts,
 * dingtalk.ts, feishu.ts, each over the platform's official SDK). A transport turns the platform's frames into
 * IncomingMessage and gives back a Reply bound to that message; it knows nothing about answers. What an answer
 * looks like on a platform is a renderer's business (src/present/wecom.ts, dingtalk.ts, feishu.ts).
 */

export type Platform = "wecom" | "dingtalk" | "feishu";

export const PLATFORM_NAMES: Record<Platform, string> = { wecom: "企业微信", dingtalk: "钉钉", feishu: "飞书" };

/** One message to the bot, as the platform delivered it. */
export interface IncomingMessage {
  platform: Platform;
  /** The platform's message id: the key that makes a redelivered message answered once. */
  id: string;
  /** The conversation: the group's id, or for a private chat the platform's single-chat id (else the user's id). */
  chatId: string;
  chatType: "private" | "group";
  /** The sender's id on the platform (the allow-list and rate limits key on it). */
  userId: string;
  userName?: string;
  /** Text content with the bot's own @mention removed and trimmed ("" for content without text). */
  text: string;
  /** In a group: the message @-mentions the bot. Always true in a private chat. */
  mentioned: boolean;
  /** What was sent: text (incl. rich text reduced to text), a file, or something the bot does not read. */
  kind: "text" | "file" | "image" | "voice" | "other";
  /** For kind "file": its name, size when the platform says it, and how to fetch its bytes (at most maxBytes). */
  file?: IncomingFile;
  /** Milliseconds since the epoch when the platform says when it was sent. */
  sentAt?: number;
}

export interface IncomingFile {
  name: string;
  size?: number;
  /** The file's bytes; rejects with a CodedError (code "too_large") when it is larger than maxBytes. */
  download(maxBytes: number): Promise<Buffer>;
}

/** Replies to one incoming message (into its conversation). */
export interface Reply {
  /** Sends the messages in order; resolves when the platform has accepted each. */
  send(messages: OutgoingMessage[]): Promise<void>;
  /**
   * Sends a file into the conversation (the CSV of /export); undefined where the platform cannot send files to this
   * conversation, and then the core sends the CSV as a code block instead.
   */
  sendFile?: (name: string, data: Buffer, mime: string) => Promise<void>;
}

export type OnMessage = (message: IncomingMessage, reply: Reply) => Promise<void>;

/**
 * A platform's long connection. start() resolves once connected and subscribed; it rejects with a CodedError
 * ("bad_credentials" with one line naming the setting, or "unreachable") when it cannot connect at all. After a
 * lost connection it reconnects by itself with back-off, logging one line a minute while it cannot. The transport
 * acknowledges each delivery at the protocol level at once (before onMessage's answer is ready), so that a slow
 * answer is within the platform's deadline; a delivery the platform repeats is passed on again (the core drops it).
 */
export interface Transport {
  readonly platform: Platform;
  start(onMessage: OnMessage): Promise<void>;
  stop(): Promise<void>;
}

export type OfficeLog = (e: Record<string, unknown>) => void;

/** What every transport is created from. */
export interface TransportOptions {
  settings: Settings;
  log: OfficeLog;
  /** Reconnect back-off bounds (tests shorten them). */
  reconnect?: { initialMs?: number; maxMs?: number };
}
