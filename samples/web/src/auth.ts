import { problemFromNetwork, problemFromResponse } from "./errors";

/**
 * Development sign-in: the gateway's `POST /dev/token?sub=<name>` (Development only) mints a token for any name.
 * A real app gets the user's token from its identity provider (OIDC) instead; the rest of the app only needs
 * `getToken()`. `scope` adds scopes to the token (e.g. `catalog:write` for a catalog admin).
 */
export async function developmentToken(baseUrl: string, name: string, scope?: string): Promise<string> {
  const query = new URLSearchParams({ sub: name, ...(scope ? { scope } : {}) });
  let response: Response;
  try {
    response = await fetch(`${baseUrl}/dev/token?${query}`, { method: "POST" });
  } catch (error) {
    throw problemFromNetwork(error);
  }

  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    if (response.status === 404) {
      throw new Error("This gateway has no development sign-in (it runs outside Development): sign in with your identity provider.");
    }
    throw problemFromResponse("sign-in", response, body);
  }

  const token = (body as { access_token?: unknown } | undefined)?.access_token;
  if (typeof token !== "string") {
    throw new Error("The gateway's development sign-in answered without a token.");
  }
  return token;
}
