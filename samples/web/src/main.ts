import { developmentToken } from "./auth";
import { createGatewayClient, uploadImage, type GatewayClient, type Generation, type Product, type TryOnRequest } from "./client";
import { gatewayBaseUrl } from "./config";
import { ApiProblem, problemFromNetwork, problemFromResponse, type Action } from "./errors";
import { catalogAdmin, sampleProductBody, sampleProducts } from "./sample-products.mjs";
import { followGeneration, isDone } from "./watch";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const ui = {
  gatewayAddress: $("gateway-address"),
  signInForm: $<HTMLFormElement>("sign-in-form"),
  userName: $<HTMLInputElement>("user-name"),
  signInButton: $<HTMLButtonElement>("sign-in-button"),
  signedIn: $("signed-in"),
  signedInName: $("signed-in-name"),
  signOutButton: $<HTMLButtonElement>("sign-out-button"),
  signInMessage: $("sign-in-message"),
  photoInput: $<HTMLInputElement>("photo-input"),
  photoStatus: $("photo-status"),
  photoMessage: $("photo-message"),
  productChoice: $<HTMLFieldSetElement>("product-choice"),
  catalogue: $<HTMLUListElement>("catalogue"),
  catalogueStatus: $("catalogue-status"),
  addSampleProducts: $<HTMLButtonElement>("add-sample-products"),
  productUrlChoice: $<HTMLInputElement>("product-url-choice"),
  productUrl: $<HTMLInputElement>("product-url"),
  refreshCatalogue: $<HTMLButtonElement>("refresh-catalogue"),
  productMessage: $("product-message"),
  tryOnButton: $<HTMLButtonElement>("try-on-button"),
  progressArea: $("progress-area"),
  progress: $<HTMLProgressElement>("progress"),
  watchMode: $("watch-mode"),
  tryOnStatus: $("try-on-status"),
  tryOnMessage: $("try-on-message"),
  comparison: $("comparison"),
  photoFigure: $("photo-figure"),
  photoPreview: $<HTMLImageElement>("photo-preview"),
  resultFigure: $("result-figure"),
  resultImage: $<HTMLImageElement>("result-image"),
  openForm: $<HTMLFormElement>("open-form"),
  generationId: $<HTMLInputElement>("generation-id"),
  openButton: $<HTMLButtonElement>("open-button"),
};

const state = {
  token: undefined as string | undefined,
  /** Signed in with the gateway's development sign-in: it runs in Development, with the emulator. */
  development: false,
  addingSamples: false,
  imageId: undefined as string | undefined,
  photoUrl: undefined as string | undefined,
  uploading: false,
  starting: false,
  watch: undefined as AbortController | undefined,
  /** Controls held back by a 429 until their countdown ends. */
  coolingDown: new Set<HTMLElement>(),
};

const getToken = () => state.token;
let baseUrl: string;
let client: GatewayClient;
try {
  baseUrl = gatewayBaseUrl(location, document);
  client = createGatewayClient({ baseUrl, getToken });
  ui.gatewayAddress.textContent = baseUrl;
} catch (error) {
  ui.gatewayAddress.textContent = "not set";
  show(ui.signInMessage, error instanceof Error ? error.message : String(error));
  ui.signInButton.disabled = true;
  throw error;
}

function show(element: HTMLElement, text: string) {
  element.textContent = text;
}

function selectedProduct(): { externalId: string } | { url: string } | undefined {
  const checked = document.querySelector<HTMLInputElement>('input[name="product"]:checked');
  if (!checked) {
    return undefined;
  }
  if (checked === ui.productUrlChoice) {
    const url = ui.productUrl.value.trim();
    return /^https?:\/\/\S+$/i.test(url) && ui.productUrl.checkValidity() ? { url } : undefined;
  }
  return { externalId: checked.value };
}

/** Every control's enabled state follows from the state, in one place. */
function refreshControls() {
  const signedIn = state.token !== undefined;
  ui.signInForm.hidden = signedIn;
  ui.signedIn.hidden = !signedIn;
  ui.photoInput.disabled = !signedIn || state.uploading || state.coolingDown.has(ui.photoInput);
  ui.productChoice.disabled = !signedIn;
  ui.refreshCatalogue.disabled = !signedIn || state.addingSamples;
  ui.addSampleProducts.disabled = !signedIn || state.addingSamples || state.coolingDown.has(ui.addSampleProducts);
  ui.openButton.disabled = !signedIn;
  ui.tryOnButton.disabled =
    !signedIn || !state.imageId || state.uploading || state.starting || selectedProduct() === undefined ||
    state.watch !== undefined || state.coolingDown.has(ui.tryOnButton);
}

/** A 429: the control stays disabled and the message counts down from Retry-After, then says it works again. */
function coolDown(control: HTMLElement, message: HTMLElement, problem: ApiProblem) {
  let seconds = problem.retryAfterSeconds ?? 5;
  const text = () => problem.message.replace(/in \d+ s\./, `in ${seconds} s.`);
  state.coolingDown.add(control);
  show(message, text());
  refreshControls();
  const timer = setInterval(() => {
    seconds -= 1;
    if (seconds > 0) {
      show(message, text());
      return;
    }
    clearInterval(timer);
    state.coolingDown.delete(control);
    show(message, "");
    refreshControls();
    show(message.previousElementSibling?.getAttribute("role") === "status" ? (message.previousElementSibling as HTMLElement) : message, "You can try again now.");
  }, 1000);
}

function report(problem: unknown, message: HTMLElement, control?: HTMLElement) {
  const described = problem instanceof ApiProblem ? problem : problem instanceof Error && problem.name !== "TypeError" ? problem : problemFromNetwork(problem);
  if (described instanceof ApiProblem && described.status === 401) {
    signOut();
    show(ui.signInMessage, described.message);
    return;
  }
  if (described instanceof ApiProblem && described.retryAfterSeconds !== undefined && control) {
    coolDown(control, message, described);
    return;
  }
  show(message, described.message);
}

/** Calls the gateway; a refused answer becomes an ApiProblem for `action`, a missing one a network problem. */
async function call<T>(action: Action, request: () => Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let answer;
  try {
    answer = await request();
  } catch (error) {
    throw problemFromNetwork(error);
  }
  if (answer.data === undefined || !answer.response.ok) {
    throw problemFromResponse(action, answer.response, answer.error);
  }
  return answer.data;
}

// 1. Sign in.
ui.signInForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const name = ui.userName.value.trim();
  if (!name) {
    show(ui.signInMessage, "Enter a name to sign in.");
    return;
  }
  show(ui.signInMessage, "");
  ui.signInButton.disabled = true;
  try {
    state.token = await developmentToken(baseUrl, name);
    state.development = true;
    ui.signedInName.textContent = name;
    refreshControls();
    await loadCatalogue();
    openFromLink();
  } catch (error) {
    report(error, ui.signInMessage);
  } finally {
    ui.signInButton.disabled = false;
  }
});

function signOut() {
  state.watch?.abort();
  state.token = undefined;
  state.development = false;
  state.imageId = undefined;
  ui.photoInput.value = "";
  for (const element of [ui.photoStatus, ui.photoMessage, ui.catalogueStatus, ui.productMessage, ui.tryOnStatus, ui.tryOnMessage]) {
    show(element, "");
  }
  ui.catalogue.replaceChildren();
  ui.addSampleProducts.hidden = true;
  ui.comparison.hidden = true;
  ui.progressArea.hidden = true;
  refreshControls();
}

ui.signOutButton.addEventListener("click", () => {
  signOut();
  ui.userName.focus();
});

// 2. Photo: uploaded as soon as it is picked (one step less on a phone).
ui.photoInput.addEventListener("change", async () => {
  const file = ui.photoInput.files?.[0];
  state.imageId = undefined;
  show(ui.photoMessage, "");
  if (!file) {
    refreshControls();
    return;
  }

  if (state.photoUrl) {
    URL.revokeObjectURL(state.photoUrl);
  }
  state.photoUrl = URL.createObjectURL(file);
  ui.photoPreview.src = state.photoUrl;
  ui.photoFigure.hidden = false;
  ui.resultFigure.hidden = true;
  ui.comparison.hidden = false;

  state.uploading = true;
  refreshControls();
  show(ui.photoStatus, "Uploading your photo…");
  try {
    const uploaded = await call("upload", () => uploadImage(client, file, { filename: file.name, idempotencyKey: idempotencyKey() }));
    state.imageId = uploaded.imageId;
    show(ui.photoStatus, "Photo uploaded.");
  } catch (error) {
    show(ui.photoStatus, "");
    ui.photoFigure.hidden = true;
    report(error, ui.photoMessage, ui.photoInput);
  } finally {
    state.uploading = false;
    refreshControls();
  }
});

// 3. Product: the catalogue, or a product image URL (a one-shot product).
async function loadCatalogue() {
  show(ui.productMessage, "");
  show(ui.catalogueStatus, "Loading the catalogue…");
  ui.addSampleProducts.hidden = true;
  try {
    const list = await call("catalogue", () => client.GET("/tryon/v1/products"));
    renderCatalogue(list.items);
  } catch (error) {
    show(ui.catalogueStatus, "");
    report(error, ui.productMessage, ui.refreshCatalogue);
  }
  refreshControls();
}

function renderCatalogue(products: Product[]) {
  const previous = document.querySelector<HTMLInputElement>('.catalogue input[name="product"]:checked')?.value;
  const items = products.map((product, index) => {
    const item = document.createElement("li");
    const radio = document.createElement("input");
    radio.type = "radio";
    radio.name = "product";
    radio.id = `product-${index}`;
    radio.value = product.externalId;
    radio.checked = product.externalId === previous;
    const label = document.createElement("label");
    label.htmlFor = radio.id;
    const image = product.images[0]?.sourceUrl;
    if (image) {
      const thumbnail = document.createElement("img");
      thumbnail.src = image;
      thumbnail.alt = "";
      thumbnail.loading = "lazy";
      label.append(thumbnail);
    }
    label.append(product.title || product.externalId);
    item.append(radio, label);
    return item;
  });
  ui.catalogue.replaceChildren(...items);
  if (products.length === 0) {
    // A Development gateway's emulator starts with an empty catalogue: offer the sample products there.
    ui.addSampleProducts.hidden = !state.development;
    show(ui.catalogueStatus, state.development ? "The catalogue is empty." : "The catalogue is empty: paste a product image URL instead.");
    ui.productUrlChoice.checked = true;
  } else {
    show(ui.catalogueStatus, `${products.length} product${products.length === 1 ? "" : "s"} in the catalogue.`);
  }
}

ui.refreshCatalogue.addEventListener("click", () => void loadCatalogue());

// Development only: what seed-catalogue.mjs does, from the page (a catalog admin's token, then the samples).
ui.addSampleProducts.addEventListener("click", async () => {
  show(ui.productMessage, "");
  show(ui.catalogueStatus, "Adding the sample products…");
  state.addingSamples = true;
  refreshControls();
  try {
    const adminToken = await developmentToken(baseUrl, catalogAdmin.sub, catalogAdmin.scope);
    const admin = createGatewayClient({ baseUrl, getToken: () => adminToken });
    for (const product of sampleProducts) {
      await call("add-products", () => admin.POST("/tryon/v1/products", { body: sampleProductBody(product, baseUrl) }));
    }
    state.addingSamples = false;
    await loadCatalogue();
  } catch (error) {
    // Some samples may be in: the button stays, and adding them again updates the same products.
    show(ui.catalogueStatus, "");
    if (error instanceof ApiProblem && error.status === 401) {
      show(ui.productMessage, error.message); // the admin's token was refused, not the person's: no sign-out
    } else {
      report(error, ui.productMessage, ui.addSampleProducts);
    }
  } finally {
    state.addingSamples = false;
    refreshControls();
  }
});

ui.productChoice.addEventListener("change", refreshControls);
ui.productUrl.addEventListener("input", () => {
  ui.productUrlChoice.checked = true;
  refreshControls();
});

// 4. Try on, then watch the generation.
ui.tryOnButton.addEventListener("click", async () => {
  const product = selectedProduct();
  if (!state.imageId || !product) {
    return;
  }
  const body: TryOnRequest = {
    products: ["externalId" in product ? { externalId: product.externalId } : { images: [{ source: { url: product.url } }] }],
    person: { image: { source: { id: state.imageId } } },
  };

  show(ui.tryOnMessage, "");
  show(ui.tryOnStatus, "Starting your try-on…");
  // The last result stays until a new try-on has started; the progress of the last one goes now.
  ui.progressArea.hidden = true;
  state.starting = true;
  refreshControls();
  try {
    // A key per click: if the answer is lost and the app retries, Genlook is not charged twice.
    const started = await call("try-on", () =>
      client.POST("/tryon/v1/try-on", { body, params: { header: { "Idempotency-Key": idempotencyKey() } } }),
    );
    history.replaceState(null, "", `#generation=${encodeURIComponent(started.generationId)}`);
    void follow(started.generationId, true);
  } catch (error) {
    show(ui.tryOnStatus, "");
    report(error, ui.tryOnMessage, ui.tryOnButton);
  } finally {
    state.starting = false;
    refreshControls();
  }
});

const statusText: Record<Generation["status"], string> = {
  PENDING: "Waiting for a free slot… (PENDING)",
  PROCESSING: "Creating your try-on… (PROCESSING)",
  COMPLETED: "Your try-on is ready.",
  FAILED: "The try-on failed.",
};
const progressValue: Record<Generation["status"], number> = { PENDING: 1, PROCESSING: 2, COMPLETED: 3, FAILED: 3 };

async function follow(id: string, withPhoto: boolean) {
  state.watch?.abort();
  const watch = new AbortController();
  state.watch = watch;
  ui.generationId.value = id;
  ui.progressArea.hidden = false;
  ui.progress.removeAttribute("value");
  ui.watchMode.textContent = "";
  ui.watchMode.dataset.mode = "";
  ui.photoFigure.hidden = !withPhoto || !state.photoUrl;
  ui.resultFigure.hidden = true;
  ui.comparison.hidden = ui.photoFigure.hidden;
  show(ui.tryOnMessage, "");
  show(ui.tryOnStatus, "Checking your try-on…");
  refreshControls();

  try {
    const final = await followGeneration({ client, baseUrl, getToken }, id, {
      onStatus: (generation) => {
        ui.progress.value = progressValue[generation.status];
        show(ui.tryOnStatus, statusText[generation.status]);
      },
      onMode: (mode) => {
        ui.watchMode.dataset.mode = mode;
        ui.watchMode.textContent = mode === "live" ? "Following live updates." : "Checking for updates every second.";
      },
      onWaiting: (seconds) => show(ui.tryOnStatus, `Busy: checking again in ${seconds} s.`),
    }, watch.signal);

    if (isDone(final) && final.status === "COMPLETED" && final.resultImageUrl) {
      ui.resultImage.src = final.resultImageUrl;
      ui.resultFigure.hidden = false;
      ui.comparison.hidden = false;
    } else {
      show(ui.tryOnMessage, `The try-on failed: ${final.errorMessage ?? "no reason given"}${final.errorCode ? ` (${final.errorCode})` : ""}.`);
    }
  } catch (error) {
    if (watch.signal.aborted) {
      return;
    }
    ui.progressArea.hidden = true;
    show(ui.tryOnStatus, "");
    report(error, ui.tryOnMessage);
  } finally {
    if (state.watch === watch) {
      state.watch = undefined;
      refreshControls();
    }
  }
}

ui.resultImage.addEventListener("error", () => {
  if (!ui.resultFigure.hidden) {
    ui.resultFigure.hidden = true;
    show(ui.tryOnMessage, "The result image could not be loaded (its link may have expired). Open the try-on again.");
  }
});

// Open a try-on by id, or from a link (#generation=…) once signed in: only its owner can see it.
ui.openForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const id = ui.generationId.value.trim();
  if (id && state.token) {
    history.replaceState(null, "", `#generation=${encodeURIComponent(id)}`);
    void follow(id, false);
  }
});

function openFromLink() {
  const id = new URLSearchParams(location.hash.slice(1)).get("generation");
  if (id && state.token) {
    void follow(id, false);
  }
}

window.addEventListener("hashchange", openFromLink);

/** Random key for Idempotency-Key; getRandomValues works on plain-http LAN addresses too (randomUUID does not). */
function idempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

refreshControls();
