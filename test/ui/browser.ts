import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import type { BrowserContext } from "playwright-core";
import { systemProgram } from "../helpers/system-package.js";

// Debian's chromium, driven by playwright-core (never a downloaded browser),
// headless, with a fresh profile and no network of its own. Without the
// package the browser tests are skipped with a one-line notice (a failure
// under CI=true: see system-package.ts).

export const chromium = systemProgram("chromium", "chromium");

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Launches chromium with a profile of its own; closed (and the profile removed) when the test file ends. */
export async function launchBrowser(): Promise<BrowserContext> {
  const { chromium: driver } = await import("playwright-core");
  const profile = mkdtempSync(join(tmpdir(), "pw-chromium-"));
  const context = await driver.launchPersistentContext(profile, {
    executablePath: chromium.path as string,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 900 },
  });
  after(async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  });
  return context;
}
