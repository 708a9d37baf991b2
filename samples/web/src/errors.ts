import { isGatewayError, retryAfterSeconds as retryAfterHeader } from "./client";

/** What went wrong with a call, in terms a person can act on; `retryAfterSeconds` is set for 429s. */
export class ApiProblem extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly code: string | undefined,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "ApiProblem";
  }
}

/** Which call failed: the same status reads differently for a photo upload and a generation lookup. */
export type Action = "sign-in" | "upload" | "catalogue" | "add-products" | "try-on" | "generation";

/**
 * A 429's `Retry-After` in seconds, at least 1 so a countdown is always shown: the gateway sends seconds, Genlook's
 * own 429 (passed through) may send an HTTP date (RFC 9110 §10.2.3); 5 without either.
 */
export function retryAfterSeconds(response: Response, now = Date.now()): number {
  const seconds = retryAfterHeader(response);
  if (seconds !== null) {
    return Math.max(1, seconds);
  }
  const date = Date.parse(response.headers.get("Retry-After") ?? "");
  return Number.isNaN(date) ? 5 : Math.max(1, Math.ceil((date - now) / 1000));
}

/** Turns a refused answer (the gateway's or Genlook's error shape, CONTRACT §4) into a message for the person. */
export function problemFromResponse(action: Action, response: Response, body: unknown): ApiProblem {
  const status = response.status;
  const code = isGatewayError(body) ? body.code : undefined;
  const detail = isGatewayError(body) ? body.message : undefined;
  const problem = (message: string, retryAfter?: number) => new ApiProblem(message, status, code, retryAfter);

  if (action === "add-products" && (status === 401 || status === 403)) {
    // The catalog admin's development token, not the person's sign-in, was refused: signing out would not help.
    return problem(`The gateway did not let the development catalog admin add products (${code ?? status}).`);
  }

  switch (status) {
    case 401:
      return problem("Your sign-in has expired or is not valid. Please sign in again.");
    case 403:
      return problem(
        action === "try-on"
          ? "You are not allowed to use this photo: it was uploaded by another account. Upload your own photo."
          : "You are not allowed to do this with your account.",
      );
    case 404:
      if (action === "generation" || code === "GENERATION_NOT_FOUND") {
        return problem("This try-on was not found. It may belong to another account, or the link is wrong.");
      }
      if (code === "PRODUCT_NOT_FOUND") {
        return problem("This product is no longer in the catalogue. Choose another one.");
      }
      return problem("Not found: the gateway does not know this address.");
    case 413:
      return problem("This photo is too large (max 10 MB). Choose a smaller photo.");
    case 429: {
      const seconds = retryAfterSeconds(response);
      const what = action === "upload" ? "uploads" : action === "try-on" ? "try-ons" : "requests";
      return problem(`Too many ${what} for now. You can try again in ${seconds} s.`, seconds);
    }
  }

  if (status >= 500) {
    return problem(`The try-on service is not available right now (${code ?? status}). Please try again in a moment.`);
  }

  return problem(detail ? `The request was refused: ${detail}` : `The request was refused (${code ?? status}).`);
}

/** fetch rejects only when no answer arrived (offline, DNS, CORS refused, connection reset). */
export function problemFromNetwork(error: unknown): ApiProblem {
  if (error instanceof ApiProblem) {
    return error;
  }
  return new ApiProblem("Could not reach the try-on service. Check your connection and try again.", undefined, undefined);
}
