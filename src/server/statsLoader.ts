import type { Settings } from "../config.js";
import type { StatsService } from "../stats/api.js";

/**
 * Opens the statistics service when the statistics layer provides one. The layer is built separately: its entry
 * module (src/stats/index.ts) is expected to export `openStats({ settings, log })` resolving to a StatsService.
 * Until it exists (or when it fails to open) the server runs without statistics and those routes answer 503.
 */
export async function openStatsIfAvailable(settings: Settings, log: (e: Record<string, unknown>) => void): Promise<StatsService | null> {
  const specifier = "../stats/index.js";
  let mod: Record<string, unknown>;
  try {
    mod = (await import(specifier)) as Record<string, unknown>;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== "ERR_MODULE_NOT_FOUND") log({ level: "warn", event: "stats_unavailable", reason: (err as Error).message });
    return null;
  }
  const open = mod.openStats;
  if (typeof open !== "function") return null;
  try {
    return (await open({ settings, log })) as StatsService;
  } catch (err) {
    log({ level: "warn", event: "stats_unavailable", reason: (err as Error).message });
    return null;
  }
}
