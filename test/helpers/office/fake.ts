/**
 * What every fake office platform offers the tests (test/helpers/office/wecomFake.ts, dingtalkFake.ts,
 * feishuFake.ts): a server on 127.0.0.1 speaking the platform's real protocol, which the official SDK connects to,
 * and a driver for the tests: users send messages, the test reads what the bot sent back.
 */
export interface FakeUserMessage {
  chatType: "private" | "group";
  /** Group id (for a private chat: ignored or the single-chat id; the fake derives one from userId). */
  chatId?: string;
  userId: string;
  userName?: string;
  text?: string;
  /** In a group: the message @-mentions the bot. */
  mentioned?: boolean;
  /** Default "text". */
  kind?: "text" | "file" | "image" | "voice";
  file?: { name: string; data: Buffer };
  /** Message id (default a fresh one); deliver the same id again to test redelivery. */
  msgId?: string;
}

/** What the bot sent, as the platform received it. */
export interface FakeSent {
  chatId: string;
  /** "markdown", "text", "card" or "file". */
  type: string;
  /** The text or markdown (for a card: its markdown parts joined; for a file: its name). */
  content: string;
  /** The raw request or frame body, for protocol-level assertions. */
  raw: unknown;
  /** For a file: its bytes. */
  data?: Buffer;
}

export interface FakePlatform {
  /** Settings (env names → values) that point the adapter at this fake with valid credentials. */
  readonly settings: Record<string, string>;
  /** The same with a wrong secret. */
  readonly badSettings: Record<string, string>;
  /** Delivers a user's message to the bot; resolves with the message id once the bot has acknowledged it. */
  deliver(m: FakeUserMessage): Promise<string>;
  /** Everything sent to a conversation so far (chatId as FakeSent.chatId; for private chats the user's chat). */
  sent(chatId?: string): FakeSent[];
  /** Resolves when at least n messages have been sent to the chat (rejects after timeoutMs). */
  waitForSent(chatId: string | undefined, n: number, timeoutMs?: number): Promise<FakeSent[]>;
  /** The chat id under which a private chat with this user is recorded. */
  privateChatOf(userId: string): string;
  /** Closes every open connection from the server side (the bot should reconnect). */
  drop(): void;
  /** Connections accepted so far (a reconnect makes it grow). */
  readonly connections: number;
  /** Resolves when `connections` reaches n. */
  waitForConnections(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}
