import path from "node:path";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { TABLE_IDS } from "../domain/types.js";
import type { StatsFilter, StatsService } from "../stats/api.js";
import type { Settings } from "../config.js";
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

export function registerStatsRoutes(app: FastifyInstance, stats: StatsService | null, _settings: Settings): void {
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
    const file = await req.file();
    if (!file) throw new ApiError(400, "no_file", "没有收到文件。");
    // Only the base name is kept: the upload is parsed in memory and never written anywhere.
    const filename = path.basename(file.filename.replace(/\\/g, "/")).slice(0, 200) || "draft";
    const ext = path.extname(filename).toLowerCase();
    if (!DRAFT_EXTENSIONS.includes(ext)) {
      file.file.resume();
      throw new ApiError(415, "unsupported_type", `不支持的文件类型：请上传 txt、html、pdf 或 docx 文件。`);
    }
    const bytes = await file.toBuffer();
    if (bytes.length === 0) throw new ApiError(400, "empty_file", "上传的文件是空的。");
    try {
      return await stats.checkDraft(bytes, filename);
    } catch (err) {
      if (err instanceof ApiError) throw err;
      const status = (err as { statusCode?: number }).statusCode;
      if (status && status < 500) throw err;
      // A draft the parser cannot read is the uploader's problem to fix, not a server fault.
      throw new ApiError(422, "unreadable_draft", "无法读取这个文件，请确认文件未损坏、格式正确。");
    }
  });
}
