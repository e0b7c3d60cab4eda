// Hand-drawn SVG line chart for a series answer (years on x, one line per numeric column). No library.
const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, text) {
  const n = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
  if (text !== undefined) n.textContent = String(text);
  return n;
}

const YEAR_COL = /^(年份|年度|年|year)$/i;

/** The series in an answer, or null: a table with a year column and numeric values (or operation "series"). */
export function seriesOf(answer) {
  const t = answer && answer.table;
  if (!t || !Array.isArray(t.columns) || !Array.isArray(t.rows) || t.rows.length < 2) return null;
  let xi = t.columns.findIndex((c) => YEAR_COL.test(String(c).trim()) || /年份|年度/.test(String(c)));
  if (xi < 0 && answer.operation === "series") xi = 0;
  if (xi < 0) return null;
  const rows = t.rows.filter((r) => r[xi] !== null && r[xi] !== "" && !Number.isNaN(Number(r[xi])));
  if (rows.length < 2) return null;
  const lines = [];
  t.columns.forEach((name, ci) => {
    if (ci === xi) return;
    const points = rows.map((r) => ({ x: Number(r[xi]), y: typeof r[ci] === "number" ? r[ci] : r[ci] !== null && r[ci] !== "" && !Number.isNaN(Number(r[ci])) ? Number(r[ci]) : null }));
    if (points.filter((p) => p.y !== null).length >= 2) lines.push({ name: String(name), points: points.sort((a, b) => a.x - b.x) });
  });
  return lines.length ? { xLabel: String(t.columns[xi]), lines: lines.slice(0, 4) } : null;
}

function niceStep(max) {
  const raw = max / 4;
  const mag = 10 ** Math.floor(Math.log10(raw || 1));
  return [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) || raw;
}

const fmt = (v) => (Number.isInteger(v) ? String(v) : v.toFixed(1));

export function drawChart(series) {
  const W = 560, H = 280, L = 56, R = 16, T = 36, B = 48;
  const xs = [...new Set(series.lines.flatMap((l) => l.points.map((p) => p.x)))].sort((a, b) => a - b);
  const ys = series.lines.flatMap((l) => l.points.map((p) => p.y)).filter((y) => y !== null);
  const minY = Math.min(0, ...ys);
  const step = niceStep(Math.max(...ys) - minY || 1);
  const maxY = Math.ceil(Math.max(...ys) / step) * step || step;
  const x = (v) => L + (xs.length === 1 ? (W - L - R) / 2 : ((xs.indexOf(v) / (xs.length - 1)) * (W - L - R)));
  const y = (v) => T + (1 - (v - minY) / (maxY - minY || 1)) * (H - T - B);
  const names = series.lines.map((l) => l.name).join("、");
  const desc = series.lines.map((l) => `${l.name}：${l.points.map((p) => `${p.x}年 ${p.y ?? "无数据"}`).join("，")}`).join("；");

  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-labelledby": "" });
  const id = `chart-${Math.random().toString(36).slice(2, 8)}`;
  root.setAttribute("aria-labelledby", `${id}-t ${id}-d`);
  root.append(svg("title", { id: `${id}-t` }, `折线图：${names}`), svg("desc", { id: `${id}-d` }, desc));

  const axes = svg("g", { class: "axes" });
  for (let v = minY; v <= maxY + 1e-9; v += step) {
    axes.append(svg("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), class: "grid" }));
    axes.append(svg("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end", class: "tick" }, fmt(v)));
  }
  axes.append(svg("line", { x1: L, x2: L, y1: T, y2: H - B, class: "axis" }));
  axes.append(svg("line", { x1: L, x2: W - R, y1: H - B, y2: H - B, class: "axis" }));
  for (const v of xs) axes.append(svg("text", { x: x(v), y: H - B + 18, "text-anchor": "middle", class: "tick" }, v));
  axes.append(svg("text", { x: (L + W - R) / 2, y: H - 8, "text-anchor": "middle", class: "axis-label" }, series.xLabel));
  root.append(axes);

  series.lines.forEach((line, i) => {
    const g = svg("g", { class: `series series-${i}` });
    const pts = line.points.filter((p) => p.y !== null);
    g.append(svg("polyline", { points: pts.map((p) => `${x(p.x)},${y(p.y)}`).join(" "), fill: "none" }));
    for (const p of pts) {
      g.append(svg("circle", { cx: x(p.x), cy: y(p.y), r: 4 }));
      g.append(svg("text", { x: x(p.x), y: y(p.y) - 8, "text-anchor": "middle", class: "value" }, fmt(p.y)));
    }
    root.append(g);
  });
  if (series.lines.length > 1 || series.lines[0].name) {
    const legend = svg("g", { class: "legend" });
    series.lines.forEach((line, i) => {
      const lx = L + 8 + i * 150;
      legend.append(svg("rect", { x: lx, y: T - 12, width: 10, height: 10, class: `swatch series-${i}` }));
      legend.append(svg("text", { x: lx + 14, y: T - 3, class: "legend-text" }, line.name));
    });
    root.append(legend);
  }
  const figure = document.createElement("figure");
  figure.className = "chart-figure";
  figure.append(root);
  const cap = document.createElement("figcaption");
  cap.textContent = `图：${names}（按${series.xLabel}）`;
  figure.append(cap);
  return figure;
}
