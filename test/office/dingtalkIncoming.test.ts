import { describe, expect, it } from "vitest";
import { toIncoming, webhookBody, type DingtalkRobotMessage } from "../../src/office/dingtalk.js";

/** The parts of the DingTalk transport that do not need a connection: a robot message's payload → IncomingMessage. */

const base: DingtalkRobotMessage = {
  msgId: "msgA",
  msgtype: "text",
  conversationId: "cidGroup",
  conversationType: "2",
  senderId: "$:LWCP_v1:$abc",
  senderStaffId: "staff1",
  senderNick: "赵六",
  chatbotUserId: "$:LWCP_v1:$bot",
  robotCode: "dingrobot",
  sessionWebhook: "http://127.0.0.1:1/robot/sendBySession?session=x",
  createAt: 1_700_000_000_000,
  text: { content: " 2023年复议 " },
};
const noDownload = async () => Buffer.alloc(0);

describe("DingTalk robot message → IncomingMessage", () => {
  it("takes the mention from isInAtList, or from atUsers naming the robot when the flag is absent", () => {
    expect(toIncoming({ ...base, isInAtList: true }, noDownload, "id")).toMatchObject({ mentioned: true, chatType: "group", text: "2023年复议", userId: "staff1", sentAt: 1_700_000_000_000 });
    expect(toIncoming({ ...base, atUsers: [{ dingtalkId: "$:LWCP_v1:$bot" }] }, noDownload, "id")).toMatchObject({ mentioned: true });
    expect(toIncoming({ ...base, atUsers: [{ dingtalkId: "$:LWCP_v1:$someoneelse" }] }, noDownload, "id")).toMatchObject({ mentioned: false });
    // A user without a staff id (an external contact) is keyed by senderId.
    expect(toIncoming({ ...base, senderStaffId: undefined, conversationType: "1" }, noDownload, "id")).toMatchObject({ userId: "$:LWCP_v1:$abc", chatType: "private", mentioned: true });
  });

  it("reads rich text as its text, and rich text of pictures only as an image", () => {
    const rich = { ...base, msgtype: "richText", text: undefined, content: { richText: [{ text: "福州" }, { type: "picture" }, { text: "2022年" }] } };
    expect(toIncoming(rich, noDownload, "id")).toMatchObject({ kind: "text", text: "福州2022年" });
    expect(toIncoming({ ...rich, content: { richText: [{ type: "picture" }] } }, noDownload, "id")).toMatchObject({ kind: "image", text: "" });
    expect(toIncoming({ ...base, msgtype: "video" }, noDownload, "id")).toMatchObject({ kind: "other", text: "" });
    expect(toIncoming({ ...base, msgId: undefined as unknown as string }, noDownload, "id")).toBeNull();
  });

  it("downloads a file with the message's robotCode (the app's client id when absent)", async () => {
    const calls: string[] = [];
    const dl = async (code: string, robot: string) => (calls.push(`${code}@${robot}`), Buffer.from("x"));
    const f = { ...base, msgtype: "file", content: { downloadCode: "dc1", fileName: "a.pdf" } };
    await toIncoming(f, dl, "client")!.file!.download(10);
    await toIncoming({ ...f, robotCode: undefined }, dl, "client")!.file!.download(10);
    expect(calls).toEqual(["dc1@dingrobot", "dc1@client"]);
  });

  it("posts markdown with a title (one made from the text when the renderer gave none) and text as text", () => {
    expect(webhookBody({ format: "markdown", content: "**粗体** 开头\n第二行" })).toEqual({ msgtype: "markdown", markdown: { title: "粗体 开头", text: "**粗体** 开头\n第二行" } });
    expect(webhookBody({ format: "card", content: "卡片", title: "标题" })).toEqual({ msgtype: "markdown", markdown: { title: "标题", text: "卡片" } });
    expect(webhookBody({ format: "text", content: "纯文本" })).toEqual({ msgtype: "text", text: { content: "纯文本" } });
  });
});
