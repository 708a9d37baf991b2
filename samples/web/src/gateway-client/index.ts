// TEMPORARY stand-in for clients/typescript (generated from the gateway's OpenAPI document, branch h/s24openapi):
// same export, createGatewayClient({ baseUrl, getToken }), on openapi-fetch. Replaced by an import of that package
// in src/client.ts once it is merged; nothing else in the app imports this folder.
import createClient, { type Middleware } from "openapi-fetch";
import type { paths } from "./schema";

export type { paths, components } from "./schema";

export interface GatewayClientOptions {
  /** The gateway's base URL, e.g. https://gateway.example.com (no trailing path). */
  baseUrl: string;
  /** The user's bearer token, read before every request (so a refreshed token is used at once). */
  getToken: () => string | undefined | Promise<string | undefined>;
}

export function createGatewayClient(options: GatewayClientOptions) {
  const client = createClient<paths>({ baseUrl: options.baseUrl });
  const auth: Middleware = {
    async onRequest({ request }) {
      const token = await options.getToken();
      if (token) {
        request.headers.set("Authorization", `Bearer ${token}`);
      }
      return request;
    },
  };
  client.use(auth);
  return client;
}

export type GatewayClient = ReturnType<typeof createGatewayClient>;
