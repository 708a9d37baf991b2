// Typed client of the Genlook Gateway: openapi-fetch over the types openapi-typescript generates from the gateway's
// OpenAPI document (src/schema.d.ts, `npm run generate`). Only the small helpers below are written by hand.
import { EventSourceParserStream } from "eventsource-parser/stream";
import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { components, operations, paths } from "./schema";

export type { components, operations, paths };

/** Every schema of the document, by name: `Schemas["Generation"]`, `Schemas["TryOnRequest"]`, ... */
export type Schemas = components["schemas"];
/** The error body of every non-2xx JSON answer: `{ code, message, status, details? }`. */
export type GatewayError = Schemas["Error"];
export type Generation = Schemas["Generation"];
export type GenerationStatus = Schemas["GenerationStatus"];
export type TryOnRequest = Schemas["TryOnRequest"];
export type Product = Schemas["Product"];

/** The typed client: `client.GET("/tryon/v1/generations/{id}", { params: { path: { id } } })` and so on. */
export type GatewayClient = Client<paths, "application/json">;

export interface GatewayClientOptions {
  /** The gateway's origin, e.g. `https://gateway.example.com` or `""` for the page's own origin. */
  baseUrl: string;
  /** The user's JWT, or null/undefined to send no `Authorization` header. Called before every request. */
  getToken: () => string | null | undefined | Promise<string | null | undefined>;
  /** Another fetch (tests, React Native polyfills). Defaults to `globalThis.fetch`. */
  fetch?: (input: Request) => Promise<Response>;
}

/** A client that sends `Authorization: Bearer <getToken()>` on every request. */
export function createGatewayClient(options: GatewayClientOptions): GatewayClient {
  const client = createClient<paths, "application/json">({ baseUrl: options.baseUrl, fetch: options.fetch });
  client.use(bearerAuth(options.getToken));
  return client;
}

/** The auth middleware on its own, for a client built elsewhere. */
export function bearerAuth(getToken: GatewayClientOptions["getToken"]): Middleware {
  return {
    async onRequest({ request }) {
      const token = await getToken();
      if (token) {
        request.headers.set("Authorization", `Bearer ${token}`);
      }
      return request;
    },
  };
}

/** Whether a parsed body is the gateway's (or Genlook's) error shape. */
export function isGatewayError(body: unknown): body is GatewayError {
  if (typeof body !== "object" || body === null) return false;
  const candidate = body as Record<string, unknown>;
  return typeof candidate.code === "string" && typeof candidate.message === "string" && typeof candidate.status === "number";
}

/** Seconds to wait after a `429 RATE_LIMITED` (its `Retry-After`), or null when the answer carries none. */
export function retryAfterSeconds(response: Response): number | null {
  const value = response.headers.get("Retry-After");
  if (value === null || !/^[0-9]+$/.test(value.trim())) return null;
  return Number.parseInt(value, 10);
}

export interface UploadImageOptions {
  /** `false` keeps the original framing (default: cropped 4:5 around the person). */
  crop?: boolean;
  keepForDays?: Schemas["KeepForDays"];
  /** Sent as the file part's name. */
  filename?: string;
  /** Sent as `Idempotency-Key`, so a retried upload is stored once. */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

/** `POST /tryon/v1/images/upload` with a file (a `File` or `Blob`): the multipart body built for you. */
export function uploadImage(client: GatewayClient, file: Blob, options: UploadImageOptions = {}) {
  const form = new FormData();
  form.append("file", file, options.filename ?? (file instanceof File ? file.name : "photo.jpg"));
  if (options.crop !== undefined) form.append("crop", String(options.crop));
  if (options.keepForDays !== undefined) form.append("keepForDays", String(options.keepForDays));
  return client.POST("/tryon/v1/images/upload", {
    // The typed body describes the form's fields; the FormData built above is what is sent.
    body: {} as Schemas["UploadForm"],
    bodySerializer: () => form,
    params: { header: options.idempotencyKey ? { "Idempotency-Key": options.idempotencyKey } : {} },
    signal: options.signal,
  });
}

export interface WatchGenerationOptions {
  baseUrl: string;
  getToken: GatewayClientOptions["getToken"];
  /** Called with every `status` event, the first at once; the stream ends after `COMPLETED` or `FAILED`. */
  onStatus: (generation: Generation) => void;
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

/**
 * Watches a generation over Server-Sent Events (`Accept: text/event-stream`, CONTRACT §7) with fetch, because a
 * browser `EventSource` cannot send an `Authorization` header. Resolves with the last status when the stream ends
 * (null if it ended before any, e.g. at a gateway shutdown: watch again). Rejects with the `Response` when the gateway
 * answers something else than a stream (e.g. 404, 429: read it as usual, or fall back to polling
 * `GET /tryon/v1/generations/{id}`), and with the `GatewayError` body of an `error` event.
 */
export async function watchGeneration(id: string, options: WatchGenerationOptions): Promise<Generation | null> {
  const headers = new Headers({ Accept: "text/event-stream" });
  const token = await options.getToken();
  if (token) headers.set("Authorization", `Bearer ${token}`);
  const doFetch = options.fetch ?? globalThis.fetch;
  const response = await doFetch(`${options.baseUrl}/tryon/v1/generations/${encodeURIComponent(id)}`, { headers, signal: options.signal });
  if (!response.ok || !response.body || !(response.headers.get("Content-Type") ?? "").startsWith("text/event-stream")) {
    throw response;
  }

  let last: Generation | null = null;
  const events = response.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
  const reader = events.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    if (value.event === "status") {
      last = JSON.parse(value.data) as Generation;
      options.onStatus(last);
    } else if (value.event === "error") {
      await reader.cancel();
      throw JSON.parse(value.data) as GatewayError; // Genlook's error for the generation; the stream ends with it
    }
  }
  return last;
}
