import { NianbaoError } from "../errors.js";

/**
 * API errors. Every error leaves the server as `{error: {code, message}}` with a Chinese message for people and a
 * stable English code for programs; never a stack trace, a file path or an internal message.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export interface ErrorBody {
  error: { code: string; message: string };
}

export function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}

/** Fastify's own client errors (bad JSON, body too large, …) mapped to our codes and messages. */
const FASTIFY_CODES: Record<string, [string, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ["body_too_large", "请求内容过大。"],
  FST_REQ_FILE_TOO_LARGE: ["file_too_large", "上传的文件过大。"],
  FST_FILES_LIMIT: ["too_many_files", "一次只能上传一个文件。"],
  FST_PARTS_LIMIT: ["too_many_parts", "上传的表单字段过多。"],
  FST_FIELDS_LIMIT: ["too_many_parts", "上传的表单字段过多。"],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ["unsupported_media_type", "不支持的请求内容类型。"],
  FST_INVALID_MULTIPART_CONTENT_TYPE: ["unsupported_media_type", "请以 multipart/form-data 上传文件。"],
  FST_ERR_CTP_EMPTY_JSON_BODY: ["bad_request", "请求内容为空。"],
  FST_ERR_CTP_INVALID_JSON_BODY: ["bad_request", "请求内容不是有效的 JSON。"],
};

/** A backing service down (the PostgreSQL backend's DatabaseError "unavailable"): 503, and the client may retry. */
const UNAVAILABLE: [string, string] = ["unavailable", "抱歉，服务暂时不可用（数据库无法访问），请稍后再试。"];

/** Turns anything thrown into a status and a safe body. */
export function toErrorResponse(err: unknown): { status: number; body: ErrorBody; headers: Record<string, string> } {
  if (err instanceof ApiError) return { status: err.status, body: errorBody(err.code, err.message), headers: err.headers };
  if (err instanceof NianbaoError && err.code === UNAVAILABLE[0]) return { status: 503, body: errorBody(...UNAVAILABLE), headers: { "retry-after": "5" } };
  const e = err as { statusCode?: number; code?: string; name?: string };
  const status = typeof e?.statusCode === "number" ? e.statusCode : 500;
  if (status >= 500) return { status: 500, body: errorBody("internal", "服务器内部错误，请稍后再试。"), headers: {} };
  const known = e.code ? FASTIFY_CODES[e.code] : undefined;
  if (known) return { status, body: errorBody(known[0], known[1]), headers: {} };
  if (e?.name === "SyntaxError") return { status: 400, body: errorBody("bad_request", "请求内容不是有效的 JSON。"), headers: {} };
  return { status, body: errorBody(status === 404 ? "not_found" : "bad_request", status === 404 ? "未找到。" : "请求无效。"), headers: {} };
}
