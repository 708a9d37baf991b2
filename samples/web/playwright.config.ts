import { defineConfig } from "@playwright/test";

// Debian's chromium, never a downloaded browser (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 when installing).
const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export default defineConfig({
  testDir: "tests",
  // One worker: the tests start gateway processes, and CI machines are small.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: !!process.env.CI,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  reporter: process.env.PLAYWRIGHT_JSON_OUTPUT_FILE
    ? [["list"], ["json", { outputFile: process.env.PLAYWRIGHT_JSON_OUTPUT_FILE }]]
    : [["list"]],
  use: {
    browserName: "chromium",
    launchOptions: { executablePath: chromium },
    actionTimeout: 15_000,
    navigationTimeout: 20_000,
    viewport: { width: 1100, height: 900 },
  },
});
