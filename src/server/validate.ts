import type { z } from "zod";
import { ApiError } from "./errors.js";

/** Validates a request body with zod; the first problem becomes a 400 naming the field. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const r = schema.safeParse(body ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue.path.length ? issue.path.join(".") : "请求内容";
  throw new ApiError(400, "bad_request", `请求无效：${where}（${issue.message}）。`);
}
