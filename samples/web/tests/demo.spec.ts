import { writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { seedCatalogue } from "../seed-catalogue.mjs";
import { expect, portraitPng, signIn, test, uploadPhoto } from "./fixtures";
import { freePort, startGateway } from "./gateway";

const here = path.dirname(fileURLToPath(import.meta.url));
const screenshot = path.resolve(here, "../../../docs/images/demo-app.png");

test("whole flow: sign in, upload a photo, pick a product, try it on, watch it, result beside the photo", async ({ page }) => {
  const watchTypes: string[] = [];
  page.on("response", (response) => {
    if (/\/tryon\/v1\/generations\//.test(response.url()) && response.request().headers()["accept"] === "text/event-stream") {
      watchTypes.push(response.headers()["content-type"] ?? "");
    }
  });

  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Virtual try-on" })).toBeVisible();
  await signIn(page, "alice");
  await expect(page.locator("#catalogue-status")).toHaveText("3 products in the catalogue.");
  await uploadPhoto(page, await portraitPng(page));

  await page.getByLabel("Blue hoodie").check();
  // Every text the status line shows, recorded in the page, so a short-lived one is not missed between two looks.
  await page.locator("#try-on-status").evaluate((status) => {
    const seen: string[] = ((window as unknown as { seen: string[] }).seen = []);
    new MutationObserver(() => seen.push(status.textContent ?? "")).observe(status, { childList: true, characterData: true, subtree: true });
  });
  await page.getByRole("button", { name: "Try it on" }).click();

  await expect(page.locator("#progress-area")).toBeVisible();
  await expect(page.locator("#try-on-status")).toHaveText("Your try-on is ready.", { timeout: 30_000 });
  // The emulator keeps a generation PENDING for 1 s, then PROCESSING for 2 s: the progress was shown, in order.
  const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
  const shown = seen.map((text) => /\((PENDING|PROCESSING)\)$/.exec(text)?.[1]).filter((status) => status !== undefined);
  const distinct = shown.filter((status, i) => status !== shown[i - 1]);
  expect([["PENDING", "PROCESSING"], ["PENDING"], ["PROCESSING"]], `status texts: ${JSON.stringify(seen)}`).toContainEqual(distinct);
  expect(seen.at(-1)).toBe("Your try-on is ready.");

  const result = page.getByRole("img", { name: "Try-on result: you wearing the product" });
  const photo = page.getByRole("img", { name: "Your photo" });
  await expect(result).toBeVisible();
  await expect(photo).toBeVisible();
  expect(await result.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
  const [photoBox, resultBox] = [await photo.boundingBox(), await result.boundingBox()];
  expect(resultBox!.x).toBeGreaterThan(photoBox!.x + photoBox!.width - 1); // beside, not below
  expect(Math.abs(resultBox!.y - photoBox!.y)).toBeLessThan(5);

  // The app took the watch when the gateway offered it, and polled the plain GET otherwise.
  expect(watchTypes).toHaveLength(1);
  const expectedMode = watchTypes[0].startsWith("text/event-stream") ? "live" : "polling";
  await expect(page.locator("#watch-mode")).toHaveAttribute("data-mode", expectedMode);
  await expect(page).toHaveURL(/#generation=gen_[0-9a-f]+$/);
  await expect(page.getByRole("alert").filter({ hasText: /./ })).toHaveCount(0);

  await page.screenshot({ path: screenshot, fullPage: true });
});

test("empty catalogue (Development): the app offers the sample products and adds them through the gateway", async ({ browser }) => {
  const gateway = await startGateway(); // its own gateway: the worker's one is seeded
  const context = await browser.newContext({ baseURL: gateway.baseURL });
  try {
    const page = await context.newPage();
    // The first try is refused the way a misconfigured gateway would: the message shows, the button stays usable.
    let refusals = 1;
    await page.route("**/tryon/v1/products", (route) => {
      if (route.request().method() === "POST" && refusals > 0) {
        refusals--;
        return route.fulfill({ status: 403, contentType: "application/json", body: JSON.stringify({ code: "FORBIDDEN", message: "Scope catalog:write is required.", status: 403 }) });
      }
      return route.continue();
    });

    await page.goto("/");
    await signIn(page, "ivan");
    await expect(page.locator("#catalogue-status")).toHaveText("The catalogue is empty.");
    const add = page.getByRole("button", { name: "Add three sample products" });
    await add.click();
    await expect(page.locator("#product-message")).toHaveText("The gateway did not let the development catalog admin add products (FORBIDDEN).");
    await expect(add).toBeEnabled();

    await add.click();
    await expect(page.locator("#catalogue-status")).toHaveText("3 products in the catalogue.");
    await expect(add).toBeHidden();
    await expect(page.locator("#product-message")).toBeEmpty();
    for (const title of ["Red T-shirt", "Blue hoodie", "Green dress"]) {
      const thumbnail = page.locator(".catalogue label", { hasText: title }).locator("img");
      await expect(thumbnail).toHaveAttribute("src", new RegExp(`^${gateway.baseURL}/sample-products/[a-z-]+\\.svg$`));
      await expect.poll(() => thumbnail.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    }

    // The products are in the gateway's catalogue (not only on the page), for every user.
    const other = await context.newPage();
    await other.goto("/");
    await signIn(other, "judy");
    await expect(other.locator("#catalogue-status")).toHaveText("3 products in the catalogue.");
    await expect(other.getByRole("button", { name: "Add three sample products" })).toBeHidden();
  } finally {
    await context.close();
    await gateway.stop();
  }
});

test("429: a visible countdown from Retry-After, then the button works again", async ({ browser }) => {
  const gateway = await startGateway({
    RateLimiting__Policies__tryon__PermitLimit: "1",
    RateLimiting__Policies__tryon__Window: "00:00:10",
  });
  const context = await browser.newContext({ baseURL: gateway.baseURL });
  try {
    const page = await context.newPage();
    await page.goto("/");
    await signIn(page, "carol");
    await expect(page.locator("#catalogue-status")).toHaveText(/catalogue is empty/);
    await uploadPhoto(page, await portraitPng(page));
    // The empty catalogue selects the pasted-URL choice: a one-shot product.
    await page.getByLabel("Product image URL", { exact: true }).fill(`${gateway.baseURL}/sample-products/red-tee.svg`);
    const tryOn = page.getByRole("button", { name: "Try it on" });

    await tryOn.click();
    await expect(page.locator("#try-on-status")).toHaveText("Your try-on is ready.", { timeout: 30_000 });

    await tryOn.click();
    const message = page.locator("#try-on-message");
    await expect(message).toHaveText(/^Too many try-ons for now\. You can try again in \d+ s\.$/);
    await expect(message).toHaveAttribute("role", "alert");
    await expect(tryOn).toBeDisabled();
    const first = Number(/in (\d+) s/.exec((await message.textContent())!)![1]);
    expect(first).toBeGreaterThanOrEqual(1);
    expect(first).toBeLessThanOrEqual(10);
    if (first > 1) {
      await expect(message).toHaveText(new RegExp(`in ${first - 1} s\\.`), { timeout: 5_000 }); // it counts down
    }

    await expect(tryOn).toBeEnabled({ timeout: (first + 5) * 1000 });
    await expect(page.locator("#try-on-status")).toHaveText("You can try again now.");
    await tryOn.click();
    await expect(page.locator("#try-on-status")).toHaveText("Your try-on is ready.", { timeout: 30_000 });
    await expect(message).toBeEmpty();
  } finally {
    await context.close();
    await gateway.stop();
  }
});

test("a photo over 10 MB gets a clear message, on a phone-width screen", async ({ browser, gateway }, testInfo) => {
  const context = await browser.newContext({ baseURL: gateway.baseURL, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  try {
    const page = await context.newPage();
    await page.goto("/");
    await signIn(page, "dave");
    // A PNG signature and 11 MB after it, from a file (a buffer this size is slow to hand to the browser).
    const tooLarge = testInfo.outputPath("huge.png");
    await writeFile(tooLarge, Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(11 * 1024 * 1024)]));
    await page.getByLabel("Pick or take a photo of yourself").setInputFiles(tooLarge);

    await expect(page.locator("#photo-message")).toHaveText("This photo is too large (max 10 MB). Choose a smaller photo.");
    await expect(page.getByRole("button", { name: "Try it on" })).toBeDisabled();
    // Nothing wider than the phone: no sideways scrolling.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    // A photo of the right size is taken after that.
    await uploadPhoto(page, await portraitPng(page));
    await expect(page.locator("#photo-message")).toBeEmpty();
  } finally {
    await context.close();
  }
});

test("no answer, or a 5xx: a message says so and the button works again", async ({ page }) => {
  // A lost connection and a gateway error cannot be caused on demand through a healthy gateway: the browser's
  // network layer stands in for them on the try-on call only.
  const answers: ("abort" | "502")[] = ["abort", "502"];
  await page.route("**/tryon/v1/try-on", (route) => {
    const next = answers.shift();
    if (next === "abort") {
      return route.abort("connectionrefused");
    }
    if (next === "502") {
      return route.fulfill({ status: 502, contentType: "application/json", body: JSON.stringify({ code: "UPSTREAM_UNAVAILABLE", message: "Genlook could not be reached.", status: 502 }) });
    }
    return route.continue();
  });

  await page.goto("/");
  await signIn(page, "heidi");
  await uploadPhoto(page, await portraitPng(page));
  await page.getByLabel("Red T-shirt").check();
  const tryOn = page.getByRole("button", { name: "Try it on" });
  const message = page.locator("#try-on-message");

  await tryOn.click();
  await expect(message).toHaveText("Could not reach the try-on service. Check your connection and try again.");
  await expect(tryOn).toBeEnabled();

  await tryOn.click();
  await expect(message).toHaveText("The try-on service is not available right now (UPSTREAM_UNAVAILABLE). Please try again in a moment.");
  await expect(tryOn).toBeEnabled();

  await tryOn.click();
  await expect(page.locator("#try-on-status")).toHaveText("Your try-on is ready.", { timeout: 30_000 });
  await expect(message).toBeEmpty();
});

test("a second user cannot see the first user's result", async ({ browser, gateway }) => {
  const alice = await browser.newContext({ baseURL: gateway.baseURL });
  const bob = await browser.newContext({ baseURL: gateway.baseURL });
  try {
    const page = await alice.newPage();
    await page.goto("/");
    await signIn(page, "alice");
    await uploadPhoto(page, await portraitPng(page));
    await page.getByLabel("Red T-shirt").check();
    await page.getByRole("button", { name: "Try it on" }).click();
    await expect(page.locator("#try-on-status")).toHaveText("Your try-on is ready.", { timeout: 30_000 });
    const link = page.url();
    expect(link).toMatch(/#generation=gen_/);

    const other = await bob.newPage();
    await other.goto(link);
    await signIn(other, "bob");
    await expect(other.locator("#try-on-message")).toHaveText("This try-on was not found. It may belong to another account, or the link is wrong.");
    await expect(other.getByRole("img", { name: /Try-on result/ })).toBeHidden();

    // The same link works for its owner.
    const again = await alice.newPage();
    await again.goto(link);
    await signIn(again, "alice");
    await expect(again.getByRole("img", { name: /Try-on result/ })).toBeVisible();
  } finally {
    await alice.close();
    await bob.close();
  }
});

test("watch fallback: when the event stream fails, the app polls and still shows the result", async ({ page }) => {
  let streamAttempts = 0;
  await page.route("**/tryon/v1/generations/*", (route) => {
    if (route.request().headers()["accept"] === "text/event-stream") {
      streamAttempts++;
      return route.abort("connectionreset");
    }
    return route.continue();
  });

  await page.goto("/");
  await signIn(page, "erin");
  await uploadPhoto(page, await portraitPng(page));
  await page.getByLabel("Green dress").check();
  await page.getByRole("button", { name: "Try it on" }).click();

  await expect(page.locator("#try-on-status")).toHaveText("Your try-on is ready.", { timeout: 30_000 });
  await expect(page.locator("#watch-mode")).toHaveAttribute("data-mode", "polling");
  await expect(page.getByRole("img", { name: /Try-on result/ })).toBeVisible();
  expect(streamAttempts).toBe(1);
});

test("live watch: the app follows the status events of an event stream (CONTRACT §7 format)", async ({ page, gateway }) => {
  // The gateway's answer to the watch is replaced by a recorded stream of the contract's shape, so the event-stream
  // path is exercised whether or not this gateway build has the watch; the try-on itself is real.
  const plainGets: string[] = [];
  await page.route("**/tryon/v1/generations/*", (route) => {
    const request = route.request();
    if (request.headers()["accept"] !== "text/event-stream") {
      plainGets.push(request.url());
      return route.continue();
    }
    const id = decodeURIComponent(new URL(request.url()).pathname.split("/").pop()!);
    const status = (s: string, extra = {}) =>
      JSON.stringify({ generationId: id, status: s, productExternalId: "red-tee", createdAt: "2026-01-01T00:00:00Z", ...extra });
    const body = [
      ": heartbeat\n\n",
      `event: status\nid: 1\ndata: ${status("PENDING")}\n\n`,
      `event: status\nid: 2\ndata: ${status("PROCESSING")}\n\n`,
      `event: status\nid: 3\ndata: ${status("COMPLETED", { resultImageUrl: `${gateway.baseURL}/sample-products/red-tee.svg` })}\n\n`,
    ].join("");
    return route.fulfill({ status: 200, headers: { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" }, body });
  });

  await page.goto("/");
  await signIn(page, "frank");
  await uploadPhoto(page, await portraitPng(page));
  await page.getByLabel("Red T-shirt").check();
  await page.getByRole("button", { name: "Try it on" }).click();

  await expect(page.locator("#try-on-status")).toHaveText("Your try-on is ready.");
  await expect(page.locator("#watch-mode")).toHaveAttribute("data-mode", "live");
  await expect(page.getByRole("img", { name: /Try-on result/ })).toBeVisible();
  expect(plainGets).toEqual([]);
});

test("from its own origin: the app calls a gateway that lists that origin in Cors:AllowedOrigins", async ({ browser }) => {
  // The app's own origin: esbuild's static server over dist/ (what `npm run serve` runs).
  const context = await esbuild.context({ logLevel: "silent" });
  const appPort = await freePort();
  const served = await context.serve({ servedir: path.resolve(here, "../dist"), host: "127.0.0.1", port: appPort });
  const appOrigin = `http://127.0.0.1:${served.port}`;
  const gateway = await startGateway({ Cors__AllowedOrigins__0: appOrigin });
  const page = await browser.newPage();
  try {
    await seedCatalogue(gateway.baseURL);
    await page.goto(`${appOrigin}/?gateway=${encodeURIComponent(gateway.baseURL)}`);
    await expect(page.locator("#gateway-address")).toHaveText(gateway.baseURL);
    await signIn(page, "grace");
    await expect(page.locator("#catalogue-status")).toHaveText("3 products in the catalogue.");
    await uploadPhoto(page, await portraitPng(page));
    await page.getByLabel("Green dress").check();
    await page.getByRole("button", { name: "Try it on" }).click();
    await expect(page.locator("#try-on-status")).toHaveText("Your try-on is ready.", { timeout: 30_000 });
    await expect(page.getByRole("img", { name: /Try-on result/ })).toBeVisible();
  } finally {
    await page.close();
    await gateway.stop();
    await context.dispose();
  }
});
