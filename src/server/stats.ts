import path from "node:path";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { TABLE_IDS } from "../domain/types.js";
import type { FastifyRequest } from "fastify";
import type { StatsFilter, StatsService } from "../stats/api.js";
import type { Settings } from "../config.js";
import { FileLimitError } from "../errors.js";
import { loadLimitsFrom } from "../limits.js";
import { ApiError } from "./errors.js";
import { cellsCsv } from "../present/json.js";
import { parseBody } from "./validate.js";

/** Statistics routes: reports held, exported cells (JSON or CSV), and the 勾稽关系 check of an uploaded draft. */

export const DRAFT_EXTENSIONS = [".txt", ".md", ".html", ".htm", ".pdf", ".docx"];

const unavailable = () =>
  new ApiError(503, "stats_unavailable", "统计数据暂不可用：统计库尚未建立或未启用。");

const StatsQuery = z.object({
  body: z.string().trim().min(1).max(200).optional(),
  year: z.coerce.number().int().min(1990).max(2100).optional(),
  table: z.enum(TABLE_IDS).optional(),
  format: z.enum(["json", "csv"]).default("json"),
});

/** A multipart body the parser could not read (no boundary, cut off, a boundary it never uses) is the client's error. */
function badUpload(err: unknown): unknown {
  const status = (err as { statusCode?: number }).statusCode;
  if (err instanceof ApiError || (status && status < 500)) return err; // size and count limits: 413 with their own codes
  return new ApiError(400, "bad_request", "上传内容不是有效的 multipart/form-data：缺少分隔符（boundary）或内容不完整。");
}

/** The uploaded file's base name and bytes; a broken body is 400, never 500. */
async function readUpload(req: FastifyRequest): Promise<{ filename: string; bytes: Buffer }> {
  let file: Awaited<ReturnType<FastifyRequest["file"]>>;
  try {
    file = await req.file();
  } catch (err) {
    throw badUpload(err);
  }
  if (!file) throw new ApiError(400, "no_file", "没有收到文件。");
  // Only the base name is kept: the upload is parsed in memory and never written anywhere.
  const filename = path.basename(file.filename.replace(/\\/g, "/")).slice(0, 200) || "draft";
  const ext = path.extname(filename).toLowerCase();
  if (!DRAFT_EXTENSIONS.includes(ext)) {
    file.file.resume();
    throw new ApiError(415, "unsupported_type", `不支持的文件类型：请上传 txt、html、pdf 或 docx 文件。`);
  }
  try {
    return { filename, bytes: await file.toBuffer() };
  } catch (err) {
    throw badUpload(err);
  }
}

/**
 * A draft refused by a limit says which, in Chinese: a size-type cap (bytes, inflated size, pages, paragraphs,
 * elements, characters) is 413 file_too_large; nesting, the parse time and memory limits are 422 unreadable_draft.
 */
function draftError(err: unknown): unknown {
  if (err instanceof ApiError) return err;
  if (err instanceof FileLimitError) {
    if (err.limit === "too_large") return new ApiError(413, "file_too_large", `文件过大，无法检查：${err.zh}。`);
    return new ApiError(422, "unreadable_draft", `无法读取这个文件：${err.zh}。`);
  }
  const status = (err as { statusCode?: number }).statusCode;
  if (status && status < 500) return err;
  // A draft the parser cannot read is the uploader's problem to fix, not a server fault.
  return new ApiError(422, "unreadable_draft", "无法读取这个文件，请确认文件未损坏、格式正确。");
}

export function registerStatsRoutes(app: FastifyInstance, stats: StatsService | null, settings: Settings): void {
  const limits = loadLimitsFrom(settings);
  /** Draft checks running now (each holds a sandbox process): at most MAX_CONCURRENT_CHECKS. */
  let checking = 0;
  app.get("/api/reports", async () => {
    if (!stats) throw unavailable();
    return { reports: stats.reports() };
  });

  app.get("/api/stats", async (req, reply) => {
    const q = parseBody(StatsQuery, req.query);
    if (!stats) throw unavailable();
    const filter: StatsFilter = {};
    if (q.body) filter.body = q.body;
    if (q.year !== undefined) filter.year = q.year;
    if (q.table) filter.table = q.table;
    const rows = stats.cells(filter);
    if (q.format === "csv") {
      const name = ["nianbao-stats", q.body, q.year, q.table].filter(Boolean).join("-") + ".csv";
      return reply
        .type("text/csv; charset=utf-8")
        .header("content-disposition", `attachment; filename="nianbao-stats.csv"; filename*=UTF-8''${encodeURIComponent(name)}`)
        .send(cellsCsv(rows));
    }
    return { cells: rows };
  });

  app.post("/api/check", async (req) => {
    if (!stats) throw unavailable();
    if (!req.isMultipart()) throw new ApiError(415, "unsupported_media_type", "请以 multipart/form-data 上传文件（字段名 file）。");
    const { filename, bytes } = await readUpload(req);
    if (bytes.length === 0) throw new ApiError(400, "empty_file", "上传的文件是空的。");
    if (checking >= settings.MAX_CONCURRENT_CHECKS)
      throw new ApiError(503, "busy", "正在检查的文件较多，请稍后再试。", { "retry-after": String(RETRY_AFTER_SECONDS) });
    checking++;
    try {
      return await stats.checkDraft(bytes, filename, limits);
    } catch (err) {
      throw draftError(err);
    } finally {
      checking--;
    }
  });
}

/** Seconds a client is asked to wait when every draft-check slot is taken. */
const RETRY_AFTER_SECONDS = 5;
