import { describe, expect, it } from "vitest";
import { feishuContent, feishuFileType, feishuIncoming, type FeishuMessageEvent } from "../../src/office/feishu.js";

const BOT = "ou_bot";
const noDownload = async () => Buffer.alloc(0);

const event = (message: NonNullable<FeishuMessageEvent["message"]>): FeishuMessageEvent => ({
  sender: { sender_id: { open_id: "ou_alice", union_id: "on_alice" }, sender_type: "user" },
  message: { message_id: "om_1", chat_id: "oc_1", chat_type: "group", create_time: "1700000000000", ...message },
});

describe("feishu events as IncomingMessage", () => {
  it("removes only the bot's own @mention; another person's shows as @name, and @_user_1 does not eat @_user_10", () => {
    const m = feishuIncoming(
      event({
        message_type: "text",
        content: JSON.stringify({ text: "@_user_10 请看 @_user_1 平潭2023年 的数字" }),
        mentions: [
          { key: "@_user_1", id: { open_id: BOT }, name: "年报助手" },
          { key: "@_user_10", id: { open_id: "ou_carol" }, name: "Carol" },
        ],
      }),
      BOT,
      noDownload,
    );
    expect(m).toMatchObject({ chatType: "group", mentioned: true, text: "@Carol 请看 平潭2023年 的数字", userId: "ou_alice", sentAt: 1700000000000 });
  });

  it("is not mentioned in a group when only someone else is @-mentioned", () => {
    const m = feishuIncoming(
      event({ message_type: "text", content: JSON.stringify({ text: "@_user_1 你好" }), mentions: [{ key: "@_user_1", id: { open_id: "ou_carol" }, name: "Carol" }] }),
      BOT,
      noDownload,
    );
    expect(m).toMatchObject({ mentioned: false, text: "@Carol 你好" });
  });

  it("reduces rich text (post) to its text, title first, the bot's @ removed", () => {
    const post = {
      title: "问题",
      content: [
        [
          { tag: "at", user_id: "@_user_1", user_name: "年报助手" },
          { tag: "text", text: " 福建省2022年" },
          { tag: "a", text: "附件", href: "https://x" },
        ],
        [{ tag: "img", image_key: "img_1" }],
        [{ tag: "text", text: "复议多少件？" }],
      ],
    };
    const m = feishuIncoming(
      event({ message_type: "post", content: JSON.stringify(post), mentions: [{ key: "@_user_1", id: { open_id: BOT }, name: "年报助手" }] }),
      BOT,
      noDownload,
    );
    expect(m).toMatchObject({ kind: "text", mentioned: true, text: "问题\n福建省2022年附件\n复议多少件？" });
  });

  it("maps other content to its kind: a file with its name and download, image, audio as voice, the rest other", async () => {
    const calls: unknown[] = [];
    const f = feishuIncoming(event({ chat_type: "p2p", message_type: "file", content: JSON.stringify({ file_key: "file_1", file_name: "草稿.docx" }) }), BOT, async (...a) => {
      calls.push(a);
      return Buffer.from("x");
    });
    expect(f).toMatchObject({ chatType: "private", mentioned: true, kind: "file", text: "", file: { name: "草稿.docx" } });
    await f.file!.download(10);
    expect(calls).toEqual([["om_1", "file_1", 10]]);
    const kind = (message_type: string) => feishuIncoming(event({ chat_type: "p2p", message_type, content: "{}" }), BOT, noDownload).kind;
    expect([kind("image"), kind("audio"), kind("media"), kind("sticker")]).toEqual(["image", "voice", "other", "other"]);
  });

  it("sends cards and markdown as interactive cards, text as text; CSV uploads as a stream file", () => {
    expect(feishuContent({ format: "text", content: "好" })).toEqual({ msgType: "text", content: '{"text":"好"}' });
    const md = JSON.parse(feishuContent({ format: "markdown", content: "**好**" }).content);
    expect(md).toMatchObject({ schema: "2.0", body: { elements: [{ tag: "markdown", content: "**好**" }] } });
    expect(feishuFileType("nianbao.csv", "text/csv")).toBe("stream");
    expect(feishuFileType("a.PDF", "")).toBe("pdf");
  });
});
