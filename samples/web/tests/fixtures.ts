import { test as base, expect, type Page } from "@playwright/test";
import { seedCatalogue } from "../seed-catalogue.mjs";
import { startGateway, type Gateway } from "./gateway";

/** One Development gateway per worker, its catalogue seeded with the sample products; `baseURL` points at it. */
export const test = base.extend<object, { gateway: Gateway }>({
  gateway: [
    async ({}, use) => {
      const gateway = await startGateway();
      try {
        await seedCatalogue(gateway.baseURL);
        await use(gateway);
      } finally {
        await gateway.stop();
      }
    },
    { scope: "worker", timeout: 90_000 },
  ],
  baseURL: async ({ gateway }, use) => use(gateway.baseURL),
});

export { expect };

/** A person-like picture drawn by the browser itself, as PNG bytes (the emulator checks the image signature). */
export async function portraitPng(page: Page): Promise<Buffer> {
  const dataUrl = await page.evaluate(() => {
    const canvas = document.createElement("canvas");
    canvas.width = 360;
    canvas.height = 480;
    const g = canvas.getContext("2d")!;
    const sky = g.createLinearGradient(0, 0, 0, 480);
    sky.addColorStop(0, "#e7ecf7");
    sky.addColorStop(1, "#c9d3ea");
    g.fillStyle = sky;
    g.fillRect(0, 0, 360, 480);
    g.fillStyle = "#6b4f3a";
    g.beginPath();
    g.ellipse(180, 150, 62, 74, 0, 0, Math.PI * 2);
    g.fill();
    g.fillStyle = "#e8b894";
    g.beginPath();
    g.ellipse(180, 165, 52, 64, 0, 0, Math.PI * 2);
    g.fill();
    g.fillStyle = "#e8b894";
    g.fillRect(160, 220, 40, 40);
    g.fillStyle = "#8a8f98";
    g.beginPath();
    g.moveTo(70, 480);
    g.quadraticCurveTo(80, 265, 180, 255);
    g.quadraticCurveTo(280, 265, 290, 480);
    g.fill();
    return canvas.toDataURL("image/png");
  });
  return Buffer.from(dataUrl.slice(dataUrl.indexOf(",") + 1), "base64");
}

/** Signs in with the development sign-in as `name`. */
export async function signIn(page: Page, name: string) {
  await page.getByLabel("Your name").fill(name);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText(`Signed in as ${name}`)).toBeVisible();
}

/** Picks a photo (the file input uploads it at once) and waits for the upload to be done. */
export async function uploadPhoto(page: Page, png: Buffer) {
  await page.getByLabel("Pick or take a photo of yourself").setInputFiles({ name: "me.png", mimeType: "image/png", buffer: png });
  await expect(page.locator("#photo-status")).toHaveText("Photo uploaded.");
}
