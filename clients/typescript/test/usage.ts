// Compiled by `npm run typecheck` (never run): the calls an app makes must type-check against the generated schema,
// so a route, field or status removed from the document breaks this file.
import { createGatewayClient, isGatewayError, retryAfterSeconds, uploadImage, watchGeneration, type Generation, type TryOnRequest } from "../src/index";

export async function usage(photo: Blob): Promise<string | undefined> {
  const client = createGatewayClient({ baseUrl: "http://127.0.0.1:5080", getToken: () => "token" });

  const upload = await uploadImage(client, photo, { crop: false, keepForDays: 7, idempotencyKey: "k1" });
  if (upload.error) {
    const code: string = upload.error.code;
    return code;
  }
  const imageId: string = upload.data.imageId;

  const body: TryOnRequest = { products: [{ externalId: "shirt-42" }], person: { image: { source: { id: imageId } } }, output: { watermark: false, keepForDays: 3 } };
  const started = await client.POST("/tryon/v1/try-on", { body, params: { header: { "Idempotency-Key": "k2" } } });
  if (started.error) {
    const wait = started.response.status === 429 ? retryAfterSeconds(started.response) : null;
    return `${started.error.code} ${started.error.details?.[0]?.path ?? ""} ${wait ?? ""}`;
  }

  const id = started.data.generationId;
  const polled = await client.GET("/tryon/v1/generations/{id}", { params: { path: { id }, header: { Prefer: "wait=20", "If-None-Match": "\"1\"" } } });
  const status: Generation["status"] | undefined = polled.data?.status;

  const last = await watchGeneration(id, { baseUrl: "", getToken: () => null, onStatus: (g: Generation) => void g.resultImageUrl });

  const products = await client.GET("/tryon/v1/products");
  const stats = await client.GET("/tryon/v1/products/{externalId}/stats", { params: { path: { externalId: "shirt-42" } } });
  const erase = await client.DELETE("/gdpr/me");
  const job = erase.data ? await client.GET("/gdpr/jobs/{jobId}", { params: { path: { jobId: erase.data.jobId } } }) : undefined;
  const token = await client.POST("/dev/token", { params: { query: { sub: "alice", scope: "catalog:write" } } });
  const unknown: unknown = JSON.parse("{}");

  return [status, last?.status, products.data?.total, stats.data?.totals.completed, job?.data?.targets[0]?.status, token.data?.access_token, isGatewayError(unknown)].join(",");
}
