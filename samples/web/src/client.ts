// The one place the app imports the gateway's typed client from: clients/typescript, generated from the gateway's
// OpenAPI document (openapi-typescript + openapi-fetch). An app outside this repository depends on that folder
// ("@genlook/gateway-client": "file:…") or copies it.
export {
  createGatewayClient,
  isGatewayError,
  retryAfterSeconds,
  uploadImage,
  watchGeneration,
  type GatewayClient,
  type GatewayError,
  type Generation,
  type Product,
  type TryOnRequest,
} from "../../../clients/typescript/src/index";
