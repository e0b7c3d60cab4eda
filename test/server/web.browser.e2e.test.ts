import { existsSync, readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type Page } from "playwright-core";
import { FULL_SECTION } from "./fakes.js";
import { makeServer, type TestServer } from "./helpers.js";

// The page in headless Chromium (Debian's package; .ci/run installs it), at phone width, with API keys on.
const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`SKIPPED browser test: ${CHROMIUM} is missing (apt-get install -y chromium)`);

let srv: TestServer;
let browser: Browser;
let origin: string;

beforeAll(async () => {
  if (!hasChromium) return;
  srv = await makeServer({ NIANBAO_API_KEYS: "page-key-42" });
  await srv.app.listen({ host: "127.0.0.1", port: 0 });
  origin = `http://127.0.0.1:${(srv.app.server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await srv?.app.close();
});

describe.skipIf(!hasChromium)("web page in headless Chromium", () => {
  it("asks with follow-ups, shows cited answers and sources, draws a series, downloads CSV, checks a draft — all from its own origin", async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 800 }, acceptDownloads: true });
    const page: Page = await context.newPage();
    const requested: string[] = [];
    const outside: string[] = [];
    const problems: string[] = [];
    page.on("request", (r) => {
      requested.push(r.url());
      const u = new URL(r.url());
      if (u.origin !== origin && u.protocol !== "blob:" && u.protocol !== "data:") outside.push(r.url());
    });
    page.on("console", (m) => m.type() === "error" && !m.text().includes("401") && problems.push(m.text()));
    page.on("pageerror", (e) => problems.push(e.message));

    await page.goto(origin + "/");
    // Keys are on: the page asks once, keeps the key, and goes on.
    const dialog = page.locator("#key-dialog");
    await expect.poll(() => dialog.isVisible()).toBe(true);
    await page.getByLabel("API 密钥").fill("page-key-42");
    await page.keyboard.press("Enter");
    await page.waitForSelector("body[data-ready=true]");
    expect(await page.evaluate('localStorage.getItem("nianbao.apiKey")')).toBe("page-key-42");

    // A question by keyboard: type, Enter.
    await page.getByLabel("您的问题").focus();
    await page.keyboard.type("沈阳2013年受理了多少件政府信息公开申请？");
    await page.keyboard.press("Enter");
    const first = page.locator("article.turn").nth(0);
    await first.locator(".answer").waitFor();
    expect(await first.locator(".answer-text").textContent()).toContain("249件");
    expect(await first.locator(".citation").count()).toBe(2);
    expect(await first.locator(".cite-label").first().textContent()).toContain("《沈阳市2013年政府信息公开工作年度报告》");

    // Open the first source: the full section with 发布日期 and 原文链接.
    await first.getByText("查看原文章节（来源 1）").click();
    const src = first.locator(".source-body").first();
    await src.locator(".section-text").waitFor();
    expect(await src.locator(".section-text").textContent()).toBe(FULL_SECTION);
    expect(await src.textContent()).toContain("2014-03-28");
    expect(await src.locator("a").getAttribute("href")).toBe("http://www.shenyang.gov.cn/zwgk/2013nb.html");

    // A follow-up uses the conversation.
    await page.getByLabel("您的问题").fill("那行政复议呢？");
    await page.getByRole("button", { name: "提问" }).click();
    await page.locator("article.turn").nth(1).locator(".answer").waitFor();
    expect(await page.locator("article.turn").nth(1).textContent()).toContain("22件");

    // A series: table + SVG chart + CSV download.
    await page.getByLabel("您的问题").fill("沈阳历年新收申请数量");
    await page.keyboard.press("Enter");
    const series = page.locator("article.turn").nth(2);
    await series.locator(".answer").waitFor();
    expect(await series.locator("table tbody tr").count()).toBe(3);
    const chart = series.locator("svg.chart");
    expect(await chart.count()).toBe(1);
    expect(await chart.locator(".series-0 circle").count()).toBe(3);
    expect(await chart.getAttribute("role")).toBe("img");
    expect(await chart.locator("desc").textContent()).toContain("2021年 180");
    const [download] = await Promise.all([page.waitForEvent("download"), series.getByRole("button", { name: "下载 CSV" }).click()]);
    const csv = readFileSync((await download.path())!);
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const csvText = csv.subarray(3).toString("utf8");
    expect(csvText).toContain("年份,新收申请（件）\r\n2019,120\r\n2020,150\r\n2021,180");
    expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(375);
    // An answer without a table has no chart and no CSV button.
    expect(await first.locator("svg.chart").count()).toBe(0);
    expect(await first.getByRole("button", { name: "下载 CSV" }).count()).toBe(0);

    // Coverage page.
    await page.getByRole("link", { name: "收录范围" }).click();
    await page.locator("#coverage-body table").waitFor();
    expect(await page.locator("#coverage-body").textContent()).toContain("沈阳市");
    await page.locator("#reports-body table").waitFor();
    expect(await page.locator("#reports-body").textContent()).toContain("沈阳市2021年政府信息公开工作年度报告");

    // Check page: upload a draft, see every rule with ✓/✗ and its cells.
    await page.getByRole("link", { name: "报告核对" }).click();
    await page.getByLabel("选择报告草稿").setInputFiles({ name: "草稿.txt", mimeType: "text/plain", buffer: Buffer.from("沈阳市2021年政府信息公开工作年度报告\n表三", "utf8") });
    await page.getByRole("button", { name: "开始核对" }).click();
    await page.locator("#check-result .checks").waitFor();
    const result = page.locator("#check-result");
    expect(await result.locator(".summary").textContent()).toContain("✗ 1 条规则不通过");
    expect(await result.locator("li.check.ok .mark").textContent()).toBe("✓");
    expect(await result.locator("li.check.fail .mark").textContent()).toBe("✗");
    expect(await result.locator("li.check.fail").textContent()).toContain("150+20 = 170 ≠ 180");
    expect(await result.locator("li.check.fail table tbody tr").count()).toBe(2);
    expect(srv.stats.drafts[0].filename).toBe("草稿.txt");

    // Usable at 375 px: nothing wider than the screen.
    expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(375);
    expect(requested.filter((u) => u.startsWith(origin + "/api/")).length).toBeGreaterThan(5);
    expect(outside).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);
});
