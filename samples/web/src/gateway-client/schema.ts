// TEMPORARY: the subset of the gateway's OpenAPI paths the demo calls, in openapi-typescript's output shape.
// Replaced by clients/typescript/src/schema.d.ts (generated) once h/s24openapi is merged.

type NoParams = { query?: never; header?: never; path?: never; cookie?: never };
type Json<T> = { headers: { [name: string]: unknown }; content: { "application/json": T } };
type ErrorResponses = {
  400: Json<components["schemas"]["Error"]>;
  401: Json<components["schemas"]["Error"]>;
  403: Json<components["schemas"]["Error"]>;
  404: Json<components["schemas"]["Error"]>;
  413: Json<components["schemas"]["Error"]>;
  429: Json<components["schemas"]["Error"]>;
  502: Json<components["schemas"]["Error"]>;
  503: Json<components["schemas"]["Error"]>;
  504: Json<components["schemas"]["Error"]>;
};
type Unused = { put?: never; delete?: never; options?: never; head?: never; patch?: never; trace?: never };

export interface paths {
  "/tryon/v1/products": {
    parameters: NoParams;
    get: {
      parameters: NoParams;
      requestBody?: never;
      responses: { 200: Json<components["schemas"]["ProductList"]> } & ErrorResponses;
    };
    post?: never;
  } & Unused;
  "/tryon/v1/images/upload": {
    parameters: NoParams;
    get?: never;
    post: {
      parameters: { query?: never; header?: { "Idempotency-Key"?: string }; path?: never; cookie?: never };
      requestBody: { content: { "multipart/form-data": { file: string; keepForDays?: string } } };
      responses: { 200: Json<components["schemas"]["UploadResponse"]> } & ErrorResponses;
    };
  } & Unused;
  "/tryon/v1/try-on": {
    parameters: NoParams;
    get?: never;
    post: {
      parameters: { query?: never; header?: { "Idempotency-Key"?: string }; path?: never; cookie?: never };
      requestBody: { content: { "application/json": components["schemas"]["TryOnRequest"] } };
      responses: { 200: Json<components["schemas"]["TryOnResponse"]> } & ErrorResponses;
    };
  } & Unused;
  "/tryon/v1/generations/{id}": {
    parameters: NoParams;
    get: {
      parameters: { query?: never; header?: { Accept?: string }; path: { id: string }; cookie?: never };
      requestBody?: never;
      responses: {
        200: { headers: { [name: string]: unknown }; content: { "application/json": components["schemas"]["Generation"]; "text/event-stream": string } };
      } & ErrorResponses;
    };
    post?: never;
  } & Unused;
}

export interface components {
  schemas: {
    Error: { code: string; message: string; status: number; details?: { path: string; message: string }[] };
    ProductImage: { sourceUrl: string; order: number };
    Product: { externalId: string; title?: string | null; description?: string | null; images: components["schemas"]["ProductImage"][]; validForDays?: number | null; createdAt: string; updatedAt: string };
    ProductList: { items: components["schemas"]["Product"][]; total: number };
    UploadResponse: { imageId: string };
    ImageSource: { id?: string; url?: string; fileKey?: string };
    TryOnRequest: {
      products: { externalId?: string; title?: string; description?: string; images?: { source: components["schemas"]["ImageSource"] }[] }[];
      person: { image: { source: components["schemas"]["ImageSource"] } };
      externalUserId?: string;
      output?: { watermark?: boolean; keepForDays?: 1 | 3 | 7 };
    };
    TryOnResponse: { generationId: string; status: components["schemas"]["GenerationStatus"]; productExternalId: string };
    GenerationStatus: "PENDING" | "PROCESSING" | "COMPLETED" | "FAILED";
    Generation: {
      generationId: string;
      status: components["schemas"]["GenerationStatus"];
      productExternalId: string;
      createdAt: string;
      resultImageUrl?: string;
      errorCode?: string;
      errorMessage?: string;
    };
  };
}
