// Nianbao web page: chat with follow-ups, sources, tables, charts and CSV; coverage; draft check.
// Plain ES module, no build step, no external requests: everything goes to this page's own origin.
import { drawChart, seriesOf } from "./chart.js";

const KEY_STORAGE = "nianbao.apiKey";
const $ = (sel) => document.querySelector(sel);

/** Creates an element: el("p", {class: "x"}, "text", child). Text is always set as text, never as HTML. */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) node.append(c instanceof Node ? c : String(c));
  return node;
}

const chars = (s) => [...s].length;

// ---------------------------------------------------------------------------------------------------------------
// API calls: the stored key goes with every call; a 401 asks for the key once and retries.

let keyPrompt = null;

function askForKey(message) {
  if (keyPrompt) return keyPrompt;
  const dialog = $("#key-dialog");
  const input = $("#key-input");
  const err = $("#key-error");
  err.hidden = !message;
  err.textContent = message || "";
  input.value = "";
  keyPrompt = new Promise((resolve) => {
    const onSubmit = (ev) => {
      ev.preventDefault();
      const v = input.value.trim();
      if (!v) return;
      localStorage.setItem(KEY_STORAGE, v);
      $("#key-form").removeEventListener("submit", onSubmit);
      dialog.close();
      keyPrompt = null;
      resolve(v);
    };
    $("#key-form").addEventListener("submit", onSubmit);
  });
  dialog.showModal();
  input.focus();
  return keyPrompt;
}

class ApiFailure extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function api(path, init = {}, retried = false) {
  const headers = new Headers(init.headers || {});
  const key = localStorage.getItem(KEY_STORAGE);
  if (key) headers.set("Authorization", `Bearer ${key}`);
  let res;
  try {
    res = await fetch(path, { ...init, headers });
  } catch {
    throw new ApiFailure(0, "network", "无法连接服务器，请检查网络后重试。");
  }
  if (res.status === 401 && !retried) {
    const body = await res.json().catch(() => ({}));
    await askForKey(key ? (body.error && body.error.message) || "密钥无效，请重新输入。" : "");
    return api(path, init, true);
  }
  if (!res.ok) {
    const body = await res.json().catch(() => null);
    const e = body && body.error ? body.error : { code: "http_" + res.status, message: `请求失败（${res.status}）。` };
    throw new ApiFailure(res.status, e.code, e.message);
  }
  return res;
}

const postJson = (path, body) => api(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });

function showNotice(text) {
  const n = $("#notice");
  n.textContent = text;
  n.hidden = !text;
}

// ---------------------------------------------------------------------------------------------------------------
// CSV (client side), with a UTF-8 BOM so spreadsheet programs read Chinese correctly.

function csvField(v) {
  if (v === null || v === undefined) return "";
  let s = String(v);
  if (typeof v === "string" && /^[=+@\t\r]/.test(s)) s = "'" + s;
  return /[",\r\n;]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function answerCsv(answer) {
  const lines = [];
  if (answer.table && answer.table.columns.length) {
    lines.push(answer.table.columns.map(csvField).join(","));
    for (const row of answer.table.rows) lines.push(row.map(csvField).join(","));
  }
  if (answer.computed && answer.computed.length) {
    if (lines.length) lines.push("");
    lines.push(["计算", "结果", "依据"].map(csvField).join(","));
    for (const c of answer.computed) {
      const from = c.inputs.map((i) => answer.citations[i]).filter(Boolean).map(citeLabel).join("；");
      lines.push([c.expr, c.value, from].map(csvField).join(","));
    }
  }
  if (answer.citations.length) {
    lines.push("", ["出处", "原文链接"].map(csvField).join(","));
    answer.citations.forEach((c, i) => lines.push([`[${i + 1}] ${citeLabel(c)}`, c.url || ""].map(csvField).join(",")));
  }
  return "\uFEFF" + lines.join("\r\n") + "\r\n";
}

function download(filename, blob) {
  const url = URL.createObjectURL(blob);
  const a = el("a", { href: url, download: filename, class: "visually-hidden" });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// ---------------------------------------------------------------------------------------------------------------
// Chat

const conversation = { history: [], turns: 0 };

function citeLabel(c) {
  const title = c.title.startsWith("《") ? c.title : `《${c.title}》`;
  return [title, c.region, c.year != null ? `${c.year}年` : null, c.section && c.section.trim()].filter(Boolean).join(" · ");
}

function renderTable(table, caption) {
  const wrap = el("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": caption });
  const t = el("table", {}, el("caption", {}, caption));
  t.append(el("thead", {}, el("tr", {}, table.columns.map((c) => el("th", { scope: "col" }, c)))));
  t.append(el("tbody", {}, table.rows.map((r) => el("tr", {}, r.map((v, i) => (i === 0 ? el("th", { scope: "row" }, v ?? "—") : el("td", { class: typeof v === "number" ? "num" : null }, v ?? "—")))))));
  wrap.append(t);
  return wrap;
}

function renderCitation(c, i) {
  const li = el("li", { class: "citation" });
  li.append(el("span", { class: "cite-label" }, `[${i + 1}] `, citeLabel(c)));
  if (c.cell) li.append(el("span", { class: "cell" }, `（${c.cell.table} · ${c.cell.row}${c.cell.column ? " · " + c.cell.column : ""}）`));
  if (c.quote) li.append(el("blockquote", {}, c.quote));
  const details = el("details", { class: "source" });
  const summary = el("summary", {}, `查看原文章节（来源 ${i + 1}）`);
  const body = el("div", { class: "source-body" }, el("p", {}, "正在加载…"));
  details.append(summary, body);
  let loaded = false;
  details.addEventListener("toggle", async () => {
    if (!details.open || loaded) return;
    loaded = true;
    try {
      const r = await (await postJson("/api/source", c.id ? { id: c.id } : { citation: c })).json();
      const meta = el("dl", { class: "source-meta" });
      if (c.body) meta.append(el("dt", {}, "发布机关"), el("dd", {}, c.body));
      meta.append(el("dt", {}, "发布日期"), el("dd", {}, r.published || "未注明"));
      meta.append(el("dt", {}, "原文链接"), el("dd", {}, r.url && /^https?:\/\//.test(r.url) ? el("a", { href: r.url, target: "_blank", rel: "noopener noreferrer" }, r.url) : "未注明"));
      meta.append(el("dt", {}, "文件"), el("dd", {}, c.source));
      const parts = [meta];
      // A table cell: its row with the labels, the cell named, above the table section it sits in.
      if (r.cell) parts.push(el("p", { class: "cell-marked" }, `${r.cell.table} · ${r.cell.row} · ${r.cell.column}：`, el("mark", {}, r.cell.value === null ? "未读出" : String(r.cell.value))), el("p", { class: "cell-row" }, r.cell.rowText));
      parts.push(el("pre", { class: "section-text" }, r.text));
      body.replaceChildren(...parts);
    } catch (e) {
      loaded = false;
      body.replaceChildren(el("p", { class: "error" }, e.message));
    }
  });
  li.append(details);
  return li;
}

function renderAnswer(answer) {
  const box = el("div", { class: "answer" + (answer.found ? "" : " not-found") });
  box.append(el("p", { class: "answer-text" }, answer.answer || "（没有找到相关内容）"));
  if (!answer.found) box.append(el("p", { class: "hint" }, "可以打开“收录范围”查看已收录的报告，或换一种问法（写明地区和年份）。"));
  if (answer.table && answer.table.columns && answer.table.rows.length) box.append(renderTable(answer.table, "数据表"));
  const series = seriesOf(answer);
  if (series) box.append(drawChart(series));
  if (answer.computed && answer.computed.length) {
    box.append(el("ul", { class: "computed", "aria-label": "计算" }, answer.computed.map((c) => el("li", {}, `计算：${c.expr} = ${c.value}`))));
  }
  if ((answer.table && answer.table.rows.length) || (answer.computed && answer.computed.length)) {
    box.append(el("button", { type: "button", class: "csv", onclick: () => download("nianbao-answer.csv", new Blob([answerCsv(answer)], { type: "text/csv;charset=utf-8" })) }, "下载 CSV"));
  }
  if (answer.citations.length) {
    box.append(el("h3", { class: "cites-title" }, "依据"), el("ol", { class: "citations" }, answer.citations.map(renderCitation)));
  }
  return box;
}

async function ask(question) {
  const n = ++conversation.turns;
  const turn = el("article", { class: "turn", "aria-label": `第 ${n} 问` });
  turn.append(el("p", { class: "question" }, el("span", { class: "who" }, "问："), question));
  const pending = el("p", { class: "pending", role: "status" }, "正在查找…");
  turn.append(pending);
  $("#conversation").append(turn);
  turn.scrollIntoView({ block: "end" });
  const button = $("#ask-button");
  button.disabled = true;
  try {
    const res = await postJson("/api/ask", { question, history: conversation.history.slice(-10) });
    const answer = await res.json();
    conversation.history.push(question);
    pending.replaceWith(renderAnswer(answer));
  } catch (e) {
    pending.replaceWith(el("p", { class: "error" }, `出错了：${e.message}`));
  } finally {
    button.disabled = false;
  }
}

function setupChat(config) {
  const form = $("#ask-form");
  const q = $("#question");
  const count = $("#question-count");
  const max = (config && config.maxQuestionChars) || 500;
  const updateCount = () => {
    const n = chars(q.value.trim());
    count.textContent = `${n}/${max}`;
    count.classList.toggle("over", n > max);
  };
  q.addEventListener("input", updateCount);
  updateCount();
  q.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = q.value.trim();
    if (!text) return q.focus();
    if (chars(text) > max) {
      showNotice(`问题过长（${chars(text)}字），请控制在${max}字以内。`);
      return q.focus();
    }
    showNotice("");
    q.value = "";
    updateCount();
    ask(text).then(() => q.focus());
  });
  $("#new-chat").addEventListener("click", () => {
    conversation.history = [];
    conversation.turns = 0;
    $("#conversation").replaceChildren();
    q.focus();
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Coverage

function formatYears(years) {
  const ys = [...new Set(years)].sort((a, b) => a - b);
  const runs = [];
  for (let i = 0; i < ys.length; ) {
    let j = i;
    while (j + 1 < ys.length && ys[j + 1] === ys[j] + 1) j++;
    runs.push(j > i ? `${ys[i]}–${ys[j]}` : `${ys[i]}`);
    i = j + 1;
  }
  return runs.join("、");
}

const FORMAT_LABEL = { pre2019: "2019年前格式", 2019: "2019年格式", 2021: "2021年格式" };
const KIND_LABEL = { regulation: "条例", format_notice: "格式通知", judicial_interpretation: "司法解释", report: "年度报告", other: "其他" };

async function loadCoverage() {
  const target = $("#coverage-body");
  try {
    const cov = await (await api("/api/coverage")).json();
    const reports = [...cov.reports].sort((a, b) => a.region.localeCompare(b.region, "zh"));
    target.replaceChildren(
      el("p", {}, `共 ${cov.documents} 份文件、${cov.chunks} 个段落；${reports.length} 个地区或机关的年度报告。`),
      renderTable({ columns: ["地区", "发布机关", "层级", "上级", "年度"], rows: reports.map((r) => [r.region, r.issuer || "—", r.level || "—", r.parent || "—", formatYears(r.years)]) }, "已收录的年度报告"),
      el("h3", {}, "法规、通知与司法解释"),
      el("ul", {}, cov.governing.map((g) => el("li", {}, `${g.title.startsWith("《") ? g.title : `《${g.title}》`}（${[KIND_LABEL[g.kind] || g.kind, g.year ? `${g.year}年` : null].filter(Boolean).join("，")}）`))),
    );
  } catch (e) {
    target.replaceChildren(el("p", { class: "error" }, e.message));
  }
  const rb = $("#reports-body");
  try {
    const { reports } = await (await api("/api/reports")).json();
    const wrap = el("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "报告列表" });
    const t = el("table", {}, el("caption", {}, "报告列表（可下载每份报告的统计表数据）"));
    t.append(el("thead", {}, el("tr", {}, ["报告", "发布机关", "年度", "格式", "发布日期", "原文", "数据"].map((c) => el("th", { scope: "col" }, c)))));
    t.append(
      el("tbody", {}, reports.map((r) =>
        el("tr", {},
          el("th", { scope: "row" }, r.title),
          el("td", {}, r.body),
          el("td", {}, r.year ?? "—"),
          el("td", {}, FORMAT_LABEL[r.format] || "—"),
          el("td", {}, r.published || "—"),
          el("td", {}, r.url && /^https?:\/\//.test(r.url) ? el("a", { href: r.url, target: "_blank", rel: "noopener noreferrer" }, "原文链接") : "—"),
          el("td", {}, el("button", { type: "button", class: "link", "aria-label": `下载 ${r.title} 的统计数据 CSV`, onclick: () => downloadStats(r) }, "CSV")),
        ))),
    );
    wrap.append(t);
    rb.replaceChildren(wrap);
  } catch (e) {
    rb.replaceChildren(el("p", { class: e.code === "stats_unavailable" ? "hint" : "error" }, e.message));
  }
}

async function downloadStats(r) {
  try {
    const params = new URLSearchParams({ body: r.body, format: "csv" });
    if (r.year != null) params.set("year", String(r.year));
    const blob = await (await api(`/api/stats?${params}`)).blob();
    download(`${r.body}-${r.year ?? ""}-统计数据.csv`, blob);
  } catch (e) {
    showNotice(e.message);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Draft check

const OK_MARK = { true: ["✓", "通过", "ok"], false: ["✗", "不通过", "fail"], null: ["？", "无法核对", "unknown"] };

function renderCheck(result) {
  const failed = result.checks.filter((c) => c.ok === false).length;
  const unknown = result.checks.filter((c) => c.ok === null).length;
  const out = [el("h3", {}, `核对结果：${result.filename}`)];
  if (result.report) out.push(el("p", {}, `识别为：${result.report.title}（${result.report.body}${result.report.year ? `，${result.report.year}年` : ""}）`));
  out.push(el("p", { class: "summary " + (result.ok ? "ok" : "fail") }, result.ok ? `✓ 全部 ${result.checks.length} 条规则通过${unknown ? `（其中 ${unknown} 条无法核对）` : ""}。` : `✗ ${failed} 条规则不通过，共 ${result.checks.length} 条。`));
  const list = el("ol", { class: "checks" });
  for (const c of result.checks) {
    const [mark, word, cls] = OK_MARK[String(c.ok)];
    const li = el("li", { class: "check " + cls });
    li.append(el("p", { class: "check-head" }, el("span", { class: "mark", "aria-label": word, role: "img" }, mark), " ", c.label));
    if (c.expr) li.append(el("p", { class: "expr" }, c.expr));
    if (c.cells.length) li.append(renderTable({ columns: ["表", "行", "列", "数值"], rows: c.cells.map((x) => [x.table, x.row, x.column || "—", x.value]) }, `${c.label}：涉及的单元格`));
    list.append(li);
  }
  out.push(list);
  return out;
}

function setupCheck() {
  $("#check-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const input = $("#draft");
    const target = $("#check-result");
    if (!input.files || !input.files[0]) {
      target.replaceChildren(el("p", { class: "error" }, "请先选择一个文件。"));
      return input.focus();
    }
    const fd = new FormData();
    fd.append("file", input.files[0], input.files[0].name);
    target.replaceChildren(el("p", { role: "status" }, "正在核对…"));
    try {
      const result = await (await api("/api/check", { method: "POST", body: fd })).json();
      target.replaceChildren(...renderCheck(result));
    } catch (e) {
      target.replaceChildren(el("p", { class: "error" }, e.message));
    }
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Views (hash routing) and start

const VIEWS = ["chat", "coverage", "check"];
let coverageLoaded = false;

function showView() {
  const name = (location.hash.match(/^#\/(\w+)/) || [])[1];
  const view = VIEWS.includes(name) ? name : "chat";
  for (const v of VIEWS) $(`#view-${v}`).hidden = v !== view;
  for (const a of document.querySelectorAll("nav a")) {
    if (a.dataset.view === view) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  if (view === "coverage" && !coverageLoaded) {
    coverageLoaded = true;
    loadCoverage();
  }
}

async function start() {
  window.addEventListener("hashchange", showView);
  let config = null;
  try {
    config = await (await api("/api/config")).json();
  } catch (e) {
    showNotice(e.message);
  }
  setupChat(config);
  setupCheck();
  showView();
  document.body.dataset.ready = "true";
}

start();
