import { EventSourceParserStream } from "eventsource-parser/stream";
import type { GatewayClient, components } from "./client";
import { ApiProblem, problemFromNetwork, problemFromResponse, retryAfterSeconds } from "./errors";

export type Generation = components["schemas"]["Generation"];

/** `live`: the gateway's Server-Sent Events watch; `polling`: the plain GET, once a second. */
export type WatchMode = "live" | "polling";

export interface WatchCallbacks {
  onStatus(generation: Generation): void;
  onMode(mode: WatchMode): void;
  /** Polling was rate limited: the next poll waits this long. */
  onWaiting(seconds: number): void;
}

export interface WatchOptions {
  pollIntervalMs: number;
  /** Gives up (with a message) when the generation is still not done after this long. */
  maxWaitMs: number;
}

const defaults: WatchOptions = { pollIntervalMs: 1000, maxWaitMs: 5 * 60 * 1000 };
const path = "/tryon/v1/generations/{id}" as const;

export const isDone = (generation: Generation) => generation.status === "COMPLETED" || generation.status === "FAILED";

/**
 * Follows a generation until it is COMPLETED or FAILED. First the watch (CONTRACT §7): `Accept: text/event-stream`
 * read with fetch and a stream reader, because EventSource cannot send the Authorization header. When the answer is
 * not an event stream (a gateway without the watch answers the plain status) or the stream breaks, it polls the plain
 * GET. 401/403/404 end the watch with the problem; anything else is left to the polling, which waits out 429s.
 */
export async function watchGeneration(
  client: GatewayClient,
  id: string,
  callbacks: WatchCallbacks,
  signal: AbortSignal,
  options: WatchOptions = defaults,
): Promise<Generation> {
  const deadline = Date.now() + options.maxWaitMs;
  const last = await watchLive(client, id, callbacks, signal);
  if (last && isDone(last)) {
    return last;
  }

  callbacks.onMode("polling");
  return poll(client, id, callbacks, signal, options, deadline, last !== undefined);
}

async function watchLive(client: GatewayClient, id: string, callbacks: WatchCallbacks, signal: AbortSignal): Promise<Generation | undefined> {
  let answer;
  try {
    answer = await client.GET(path, { params: { path: { id } }, headers: { Accept: "text/event-stream" }, parseAs: "stream", signal });
  } catch (error) {
    signal.throwIfAborted();
    return undefined; // no answer: the polling tries again, and reports the network problem if it persists
  }

  const { response } = answer;
  if (!response.ok) {
    if (response.status === 401 || response.status === 403 || response.status === 404) {
      throw problemFromResponse("generation", response, answer.error);
    }
    return undefined;
  }

  const body = answer.data;
  if (!body) {
    return undefined;
  }

  if (!(response.headers.get("Content-Type") ?? "").startsWith("text/event-stream")) {
    // The gateway has no watch and answered the plain GET: that is the first status.
    try {
      const generation = (await new Response(body).json()) as Generation;
      callbacks.onStatus(generation);
      return generation;
    } catch {
      signal.throwIfAborted();
      return undefined;
    }
  }

  callbacks.onMode("live");
  let last: Generation | undefined;
  const events = body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream()).getReader();
  try {
    for (;;) {
      const { value, done } = await events.read();
      if (done) {
        return last;
      }
      if (value.event === "status") {
        last = JSON.parse(value.data) as Generation;
        callbacks.onStatus(last);
        if (isDone(last)) {
          return last;
        }
      }
    }
  } catch {
    signal.throwIfAborted();
    return last; // the stream broke (connection lost, bad event): the polling takes over
  } finally {
    events.cancel().catch(() => undefined);
  }
}

async function poll(
  client: GatewayClient,
  id: string,
  callbacks: WatchCallbacks,
  signal: AbortSignal,
  options: WatchOptions,
  deadline: number,
  waitFirst: boolean,
): Promise<Generation> {
  let failures = 0;
  let wait = waitFirst ? options.pollIntervalMs : 0;
  while (Date.now() + wait < deadline) {
    await sleep(wait, signal);
    wait = options.pollIntervalMs;

    let answer;
    try {
      answer = await client.GET(path, { params: { path: { id } }, headers: { Accept: "application/json" }, signal });
    } catch (error) {
      signal.throwIfAborted();
      if (++failures >= 3) {
        throw problemFromNetwork(error);
      }
      wait = options.pollIntervalMs * 2 ** failures;
      continue;
    }

    const { response } = answer;
    if (response.status === 429) {
      const seconds = retryAfterSeconds(response.headers.get("Retry-After"));
      callbacks.onWaiting(seconds);
      wait = seconds * 1000;
      continue;
    }
    if (response.status >= 500 && ++failures < 3) {
      wait = options.pollIntervalMs * 2 ** failures;
      continue;
    }
    if (!answer.data) {
      throw problemFromResponse("generation", response, answer.error);
    }

    // Asked with Accept: application/json, the plain GET answers the JSON status (the document lists both types).
    const generation = answer.data as Generation;
    failures = 0;
    callbacks.onStatus(generation);
    if (isDone(generation)) {
      return generation;
    }
  }

  throw new ApiProblem("This try-on is taking much longer than usual. Open it again later from its link.", undefined, undefined);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) {
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", abort);
      resolve();
    }, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", abort, { once: true });
  });
}
