import { isGatewayError, watchGeneration, type GatewayClient, type Generation } from "./client";
import { ApiProblem, problemFromNetwork, problemFromResponse, retryAfterSeconds } from "./errors";

/** `live`: the gateway's Server-Sent Events watch; `polling`: the plain GET, once a second. */
export type WatchMode = "live" | "polling";

/** What the watch needs: the typed client for the plain GET, the base URL and token for the event stream. */
export interface GatewayAccess {
  client: GatewayClient;
  baseUrl: string;
  getToken: () => string | undefined;
}

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

export const isDone = (generation: Generation) => generation.status === "COMPLETED" || generation.status === "FAILED";

/**
 * Follows a generation until it is COMPLETED or FAILED. First the watch (CONTRACT §7: `Accept: text/event-stream`,
 * read with fetch by the client's watchGeneration, because EventSource cannot send the Authorization header). When
 * the answer is not an event stream (a gateway without the watch answers the plain status) or the stream breaks, it
 * polls the plain GET. 401/403/404 end the watch with the problem; anything else is left to the polling, which
 * waits out 429s.
 */
export async function followGeneration(
  gateway: GatewayAccess,
  id: string,
  callbacks: WatchCallbacks,
  signal: AbortSignal,
  options: WatchOptions = defaults,
): Promise<Generation> {
  const deadline = Date.now() + options.maxWaitMs;
  const last = await watchLive(gateway, id, callbacks, signal);
  if (last && isDone(last)) {
    return last;
  }

  callbacks.onMode("polling");
  return poll(gateway.client, id, callbacks, signal, options, deadline, last !== undefined);
}

async function watchLive(gateway: GatewayAccess, id: string, callbacks: WatchCallbacks, signal: AbortSignal): Promise<Generation | undefined> {
  let last: Generation | undefined;
  try {
    const final = await watchGeneration(id, {
      baseUrl: gateway.baseUrl,
      getToken: gateway.getToken,
      signal,
      onStatus: (generation) => {
        if (last === undefined) {
          callbacks.onMode("live");
        }
        last = generation;
        callbacks.onStatus(generation);
      },
    });
    return final ?? last;
  } catch (thrown) {
    signal.throwIfAborted();
    if (isGatewayError(thrown)) {
      // An `error` event: Genlook's answer for this generation. Final when it says not found or not allowed;
      // anything else (a 5xx) is left to the polling, which retries.
      if (thrown.status === 401 || thrown.status === 403 || thrown.status === 404) {
        throw problemFromResponse("generation", new Response(null, { status: thrown.status }), thrown);
      }
      return last;
    }
    if (!(thrown instanceof Response)) {
      return last; // no answer, or the stream broke: the polling takes over (and reports a lasting network problem)
    }

    const response = thrown;
    const body: unknown = await response.json().catch(() => undefined);
    if (response.status === 401 || response.status === 403 || response.status === 404) {
      throw problemFromResponse("generation", response, body);
    }
    if (response.ok && typeof body === "object" && body !== null && "status" in body) {
      // The gateway has no watch and answered the plain GET: that is the first status.
      const generation = body as Generation;
      callbacks.onStatus(generation);
      return generation;
    }
    return undefined;
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
      answer = await client.GET("/tryon/v1/generations/{id}", { params: { path: { id } }, signal });
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
      const seconds = retryAfterSeconds(response);
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

    failures = 0;
    callbacks.onStatus(answer.data);
    if (isDone(answer.data)) {
      return answer.data;
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
