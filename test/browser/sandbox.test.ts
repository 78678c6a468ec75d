/**
 * The sandbox page in a real browser, as a new user meets it: Debian's Chromium, driven by
 * playwright-core, types and clicks through `/profiles help`, the whole `/profiles enable`
 * wizard for examplecorp keeping every default, ingestion failures made from the page, the
 * digest, Inspect, Re-ingest and App Home. It checks what a person reads, and that no Slack
 * markup is left raw anywhere on the page.
 *
 * The stack is the sandbox's (sandbox/stack.ts) on port 0 with a Redis prefix of its own.
 * A failed step saves a screenshot under test/browser/screenshots/ (git-ignored);
 * UPDATE_SCREENSHOT=1 also saves the README's picture, docs/img/sandbox.png.
 *
 * Skipped only when no Chromium binary is found: .ci/run installs Debian's `chromium`.
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SANDBOX_DEFAULTS } from "../../sandbox/env.js";
import { deletePrefix, type Stack, startStack, testPrefix } from "../../sandbox/stack.js";
import { findRawMarkup } from "./markup.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const SCREENSHOTS = join(ROOT, "test", "browser", "screenshots");
const README_PICTURE = join(ROOT, "docs", "img", "sandbox.png");

const DOMAIN = "amazon-connect-examplecorp";
const CHANNEL_NAME = "contact-centre-ops";

function findChromium(): string | undefined {
  const candidates = [
    process.env.CHROMIUM_PATH,
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome",
  ];
  return candidates.find((p): p is string => Boolean(p) && existsSync(p as string));
}

const CHROMIUM = findChromium();
if (!CHROMIUM) {
  process.stderr.write(
    "test/browser: SKIPPED, no Chromium binary (looked at $CHROMIUM_PATH, /usr/bin/chromium, " +
      "/usr/bin/chromium-browser, /usr/bin/google-chrome). Install Debian's: apt-get install -y chromium " +
      "(.ci/run does).\n",
  );
}

let stack: Stack | undefined;
let prefix: string;
let browser: Browser | undefined;
let page: Page;
/** Requests the page made that failed or answered 4xx/5xx, and errors in its console. */
const pageProblems: string[] = [];

beforeAll(async () => {
  if (!CHROMIUM) return;
  prefix = testPrefix();
  stack = await startStack({
    slack: { port: 0 },
    emulator: { port: 0 },
    // What `npm run sandbox` runs with (sandbox/env.ts: a user per role...), with a scan
    // interval short enough to see a digest within seconds and a Redis prefix of its own.
    env: {
      ...SANDBOX_DEFAULTS,
      QUEUE_PREFIX: prefix,
      PORT: "0",
      LOG_LEVEL: "silent",
      DLQ_SCAN_INTERVAL: "2s",
    },
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  page.setDefaultTimeout(10_000);
  page.on("console", (m) => {
    if (m.type() === "error") pageProblems.push(`console error: ${m.text()}`);
  });
  page.on("pageerror", (err) => pageProblems.push(`uncaught: ${err.message}`));
  page.on("requestfailed", (r) =>
    pageProblems.push(`${r.url()} failed: ${r.failure()?.errorText}`),
  );
  page.on("response", (r) => {
    if (r.status() >= 400) pageProblems.push(`${r.request().method()} ${r.url()} → ${r.status()}`);
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  if (stack) await deletePrefix(stack.config, prefix);
});

// ---- helpers --------------------------------------------------------------------------------

/**
 * The page's text as a person reads it: innerText, not textContent, because only what is
 * rendered and shown counts (a hidden template is not read by anyone).
 */
// biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what is checked
const pageText = (): Promise<string> => page.locator("body").innerText();

async function expectNoRawMarkup(where: string): Promise<void> {
  const raw = findRawMarkup(await pageText());
  expect(
    raw.map((r) => `${r.kind} ${r.match} in "…${r.around}…"`),
    `raw Slack markup on the page ${where}`,
  ).toEqual([]);
}

/**
 * One step of the walk-through: on failure a screenshot named after it, and its name in the
 * error; after it, the page holds no raw markup.
 */
async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
  try {
    const out = await run();
    await expectNoRawMarkup(`after "${name}"`);
    return out;
  } catch (err) {
    await mkdir(SCREENSHOTS, { recursive: true });
    const file = join(SCREENSHOTS, `${slug(name)}.png`);
    await page.screenshot({ path: file, fullPage: true }).catch(() => {});
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`step "${name}" failed (screenshot: ${relative(ROOT, file)}):\n${message}`, {
      cause: err,
    });
  }
}

const slug = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");

/** Waits until the text is shown somewhere on the page. */
const see = (text: string | RegExp, timeout = 10_000): Promise<Locator> => {
  const found = page.getByText(text).first();
  return found.waitFor({ state: "visible", timeout }).then(() => found);
};

/** Types into the composer and sends it, as a person does. */
async function send(command: string): Promise<void> {
  const box = page.getByRole("textbox", { name: /slash command|message/i });
  await box.fill("");
  await box.pressSequentially(command, { delay: 10 });
  // Playwright refuses to click a button something covers: a toast over Send fails here.
  await page.getByRole("button", { name: "Send", exact: true }).click();
}

/** The open modal whose text includes `title`. */
const modal = (title: string | RegExp): Locator =>
  page.getByRole("dialog").filter({ hasText: title });

/** Clicks an option the way it is shown: a listbox entry, or a native select's option. */
async function choose(option: Locator): Promise<void> {
  await option.waitFor({ state: "attached" });
  const native = await option.evaluate((el) => el.tagName === "OPTION");
  if (!native) {
    await option.click();
    return;
  }
  const value = (await option.getAttribute("value")) ?? (await option.textContent()) ?? "";
  await option.locator("xpath=ancestor::select[1]").selectOption(value);
}

// ---- the walk-through -----------------------------------------------------------------------

describe.skipIf(!CHROMIUM)("the sandbox page in Chromium", () => {
  it("goes from /profiles help to an enabled domain and a re-ingested digest by typing and clicking", async () => {
    const live = stack as Stack;

    await step("open the page", async () => {
      await page.goto(live.slack.url);
      await see(/Try \/profiles help|No messages yet/);
    });

    await step("/profiles help", async () => {
      await send("/profiles help");
      // The bot's immediate answer, shown only to the person who typed it.
      await see("runs Amazon Connect Customer Profiles from Slack");
      await see("/profiles enable");
    });

    await step("wizard: pick examplecorp", async () => {
      await send("/profiles enable");
      const first = modal("(1/5)");
      await first.waitFor();
      const search = first.getByPlaceholder(/Search by alias or id/);
      await search.click();
      await search.pressSequentially("example", { delay: 40 });
      await choose(page.getByRole("option", { name: /^examplecorp · / }).first());
      await see(/Not linked to a Customer Profiles domain yet/);
      expect(await first.textContent()).not.toMatch(/\[object |Choose…/);
    });

    await step("wizard: keep every default", async () => {
      for (const [from, to] of [
        ["(1/5)", "(2/5)"],
        ["(2/5)", "(3/5)"],
        ["(3/5)", "(4/5)"],
        ["(4/5)", "(5/5)"],
      ] as const) {
        await modal(from).getByRole("button", { name: "Next", exact: true }).click();
        await modal(to).waitFor();
      }
      const review = modal("(5/5)");
      // The review names what will be made, from the defaults the steps showed.
      await review.getByText(`${DOMAIN}-dlq`).first().waitFor();
      await review.getByText(`alias/${DOMAIN}`).first().waitFor();
      expect(await review.textContent()).not.toMatch(/Pick .* again|takes a string|\[object /i);
    });

    await step("wizard: Enable", async () => {
      await modal("(5/5)").getByRole("button", { name: "Enable", exact: true }).click();
      await page.getByRole("dialog").waitFor({ state: "hidden" });
      await see("Customer Profiles enabled for examplecorp", 30_000);
      await see(`Dead-letter digests for this domain go to #${CHANNEL_NAME}`);
    });

    await step("/profiles alerts with #channel", async () => {
      // The composer turns #name into Slack's channel reference, as Slack's client does.
      await send(`/profiles alerts ${DOMAIN} #${CHANNEL_NAME}`);
      await see(`Dead-letter digests for ${DOMAIN} will go to #${CHANNEL_NAME}`);
    });

    await step("make ingestion failures", async () => {
      const make = page.getByRole("button", { name: /make ingestion failures/i });
      await make.waitFor();
      // Opening the domain list reads the domains enabled so far.
      const domains = page.getByRole("combobox", { name: /domain/i }).first();
      await domains.click();
      await domains.selectOption(DOMAIN);
      await make.click();
      await see(new RegExp(`Made \\d+ failures? in ${DOMAIN}`));
    });

    await step("the digest", async () => {
      await see(`Dead-letter queue: ${DOMAIN}`, 60_000);
      await see(/failed objects? waiting in the dead-letter queue/);
      await see(/Throttled/);
      await page.getByRole("button", { name: "Re-ingest", exact: true }).first().waitFor();
    });

    if (process.env.UPDATE_SCREENSHOT === "1") {
      // The README's picture: the digest with its buttons, next to the failures just made.
      await mkdir(dirname(README_PICTURE), { recursive: true });
      await page
        .getByText(`Dead-letter queue: ${DOMAIN}`)
        .first()
        .evaluate((el) => el.scrollIntoView({ block: "start" }));
      await page.screenshot({ path: README_PICTURE });
    }

    await step("Inspect", async () => {
      await page.getByRole("button", { name: "Inspect", exact: true }).first().click();
      const samples = modal("Dead-letter samples");
      await samples.waitFor();
      await samples
        .getByText(/Samples are redacted|No samples kept/)
        .first()
        .waitFor();
      await expectNoRawMarkup("with the Inspect modal open");
      await samples.getByRole("button", { name: "Close", exact: true }).click();
      await samples.waitFor({ state: "hidden" });
    });

    const finished = await step("Re-ingest", async () => {
      await page.getByRole("button", { name: "Re-ingest", exact: true }).first().click();
      // Slack asks first, with the button's confirm dialog ("Re-ingest 3 objects?").
      const ask = page.getByRole("alertdialog").filter({ hasText: /Re-ingest \d+ objects?\?/ });
      await ask.waitFor();
      await expectNoRawMarkup("with the confirm dialog open");
      await ask.getByRole("button", { name: "Re-ingest", exact: true }).click();
      const reply = await see(/Re-ingest of .* finished/, 45_000);
      return (await reply.textContent()) ?? "";
    });
    // Throttled objects go in when replayed at the bot's pace: some accepted, none failed.
    expect(finished).toMatch(/[1-9]\d* accepted/);
    expect(finished).not.toMatch(/[1-9]\d* failed/);
    expect(finished).toContain(DOMAIN);

    await step("App Home", async () => {
      await page
        .getByRole("button", { name: /App Home/ })
        .first()
        .click();
      await see("Your role: admin");
      await see(new RegExp(`${DOMAIN}\\s+\\d+ in the DLQ`));
      await see(`Digests in #${CHANNEL_NAME}`);
    });

    expect(pageProblems, "failed requests or console errors on the page").toEqual([]);
  }, 150_000);
});
