import { Embeddings } from "@langchain/core/embeddings";
import { EmbedderError, redact } from "../errors.js";
import type { DescribedEmbeddings, EmbedderDescriptor } from "./types.js";

export interface OpenAIEmbedderOptions {
  /** e.g. http://127.0.0.1:11434/v1 (the path up to, not including, /embeddings). */
  baseURL: string;
  model: string;
  apiKey?: string;
  /** Inputs per request; local servers choke on very large batches. */
  batchSize?: number;
  /** Per-request timeout. */
  timeoutMs?: number;
}

export interface OpenAIEmbedder extends DescribedEmbeddings {
  /** Embed a fixed probe text so the dimension is known before indexing starts. */
  probe(): Promise<EmbedderDescriptor>;
}

const PROBE_TEXT = "维度探测";

/**
 * The base URL as it may be recorded in the index and shown in logs: credentials and query
 * strings (some gateways take `?api-key=`) removed, no trailing slash.
 */
export function publicBaseURL(baseURL: string): string {
  try {
    const u = new URL(baseURL);
    u.username = "";
    u.password = "";
    u.search = "";
    u.hash = "";
    return u.toString().replace(/\/+$/, "");
  } catch {
    return baseURL.replace(/\/\/[^/@]*@/, "//").replace(/[?#].*$/, "").replace(/\/+$/, "");
  }
}

/** Decode OpenAI's base64 embedding format (little-endian float32). */
function decodeBase64Vector(b64: string): number[] {
  const buf = Buffer.from(b64, "base64");
  if (buf.length === 0 || buf.length % 4 !== 0) throw new Error("base64 embedding is not a float32 array");
  const out: number[] = new Array(buf.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = buf.readFloatLE(i * 4);
  return out;
}

function normalize(vec: number[]): number[] {
  let sum = 0;
  for (const x of vec) sum += x * x;
  const norm = Math.sqrt(sum);
  // A zero vector has no direction; cosine similarity against it is undefined.
  if (!(norm > 0) || !Number.isFinite(norm)) throw new Error("zero or non-finite vector");
  return vec.map((x) => x / norm);
}

/**
 * An OpenAI-compatible /embeddings client. Implemented on fetch rather than OpenAIEmbeddings so
 * that every failure (network, HTTP status, malformed body, dimension drift) surfaces as one
 * EmbedderError with a key-free message, and so both wire formats are accepted: some servers
 * ignore `encoding_format` and always send base64.
 */
class OpenAICompatibleEmbeddings extends Embeddings implements OpenAIEmbedder {
  private readonly endpoint: string;
  private readonly publicURL: string;
  private readonly model: string;
  private readonly apiKey: string | undefined;
  private readonly batchSize: number;
  private readonly timeoutMs: number;
  private readonly basicAuth: string | undefined;
  /** Everything that must never appear in a message. */
  private readonly secrets: string[] = [];
  private dim = 0;

  constructor(opts: OpenAIEmbedderOptions) {
    // No LangChain retries: a dead server should fail fast and be reported, not hammered.
    super({ maxRetries: 0 });
    if (!opts.model) throw new EmbedderError("嵌入模型未设置 / embeddings model is missing");
    this.model = opts.model;
    this.apiKey = opts.apiKey || undefined;
    this.batchSize = Math.max(1, Math.floor(opts.batchSize ?? 64));
    this.timeoutMs = Math.max(1, Math.floor(opts.timeoutMs ?? 60_000));
    this.publicURL = publicBaseURL(opts.baseURL);
    // fetch refuses URLs with embedded credentials; send them as Basic auth instead
    // (only when no API key is given, since both would claim the Authorization header).
    let url = opts.baseURL;
    try {
      const u = new URL(opts.baseURL);
      if (u.username || u.password) {
        this.secrets.push(decodeURIComponent(u.password), u.password);
        this.basicAuth = Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString("base64");
        u.username = "";
        u.password = "";
        url = u.toString();
      }
    } catch {
      throw new EmbedderError(`嵌入服务地址无效 / invalid embeddings base URL: ${this.publicURL}`);
    }
    const [path, query] = url.split("?");
    this.endpoint = `${path.replace(/\/+$/, "")}/embeddings${query ? `?${query}` : ""}`;
  }

  get descriptor(): EmbedderDescriptor {
    return { name: `openai:${this.model}@${this.publicURL}`, dim: this.dim, distance: "cosine" };
  }

  async probe(): Promise<EmbedderDescriptor> {
    await this.embedQuery(PROBE_TEXT);
    return this.descriptor;
  }

  async embedQuery(text: string): Promise<number[]> {
    const [vec] = await this.embedDocuments([text]);
    return vec;
  }

  async embedDocuments(texts: string[]): Promise<number[][]> {
    const out: number[][] = [];
    for (let i = 0; i < texts.length; i += this.batchSize) {
      out.push(...(await this.embedBatch(texts.slice(i, i + this.batchSize))));
    }
    return out;
  }

  private fail(message: string, cause?: unknown): never {
    throw new EmbedderError(redact(`${message} (${this.descriptor.name})`, [this.apiKey, ...this.secrets]), cause ? { cause } : undefined);
  }

  private async embedBatch(batch: string[]): Promise<number[][]> {
    // OpenAI rejects empty strings; a single space embeds to "nothing" without failing the batch.
    const input = batch.map((t) => (t.length === 0 ? " " : t));
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    else if (this.basicAuth) headers.authorization = `Basic ${this.basicAuth}`;

    let res: Response;
    try {
      res = await fetch(this.endpoint, {
        method: "POST",
        headers,
        body: JSON.stringify({ model: this.model, input, encoding_format: "float" }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      const why =
        e?.name === "TimeoutError" || e?.name === "AbortError"
          ? `timed out after ${this.timeoutMs} ms`
          : (e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err));
      // The original error is not attached: undici errors can carry request details.
      return this.fail(`嵌入服务不可达 / embeddings server unreachable: ${why}`);
    }

    let raw: string;
    try {
      raw = await res.text();
    } catch (err) {
      return this.fail(`嵌入服务响应读取失败 / could not read embeddings response: ${(err as Error).message}`);
    }
    if (!res.ok) {
      // Servers sometimes echo the presented key in the error text; fail() redacts it.
      const snippet = raw.replace(/\s+/g, " ").slice(0, 200);
      return this.fail(`嵌入服务返回错误 / embeddings server returned HTTP ${res.status}: ${snippet}`);
    }

    let body: any;
    try {
      body = JSON.parse(raw);
    } catch {
      return this.fail("嵌入服务响应不是 JSON / embeddings response is not JSON");
    }
    const data = body?.data;
    if (!Array.isArray(data) || data.length !== input.length)
      return this.fail(
        `嵌入服务响应格式错误 / embeddings response has wrong shape: expected ${input.length} items, got ${
          Array.isArray(data) ? data.length : typeof data
        }`,
      );

    // Order by `index` when present: the API does not promise response order.
    const slots: Array<number[] | undefined> = new Array(input.length);
    data.forEach((item: any, pos: number) => {
      const idx = Number.isInteger(item?.index) ? item.index : pos;
      if (idx < 0 || idx >= input.length || slots[idx])
        this.fail(`嵌入服务响应格式错误 / embeddings response has a bad index ${idx}`);
      let vec: number[];
      const emb = item?.embedding;
      if (typeof emb === "string") {
        try {
          vec = decodeBase64Vector(emb);
        } catch (err) {
          return this.fail(`嵌入服务响应格式错误 / embeddings response: ${(err as Error).message}`);
        }
      } else if (Array.isArray(emb) && emb.length > 0 && emb.every((x) => typeof x === "number" && Number.isFinite(x))) {
        vec = emb;
      } else {
        return this.fail("嵌入服务响应格式错误 / embeddings response item is not a number array");
      }
      slots[idx] = vec;
    });

    const vectors = slots as number[][];
    // Check the whole batch before learning the dimension, so a bad first response cannot
    // pin a wrong dimension for the rest of the run.
    const expected = this.dim || vectors[0].length;
    for (const vec of vectors)
      if (vec.length !== expected)
        this.fail(`嵌入维度不一致 / inconsistent embedding dimension: expected ${expected}, got ${vec.length}`);
    this.dim = expected;
    try {
      return vectors.map(normalize);
    } catch (err) {
      return this.fail(`嵌入向量无效 / invalid embedding: ${(err as Error).message}`);
    }
  }
}

export function createOpenAIEmbedder(opts: OpenAIEmbedderOptions): OpenAIEmbedder {
  return new OpenAICompatibleEmbeddings(opts);
}
