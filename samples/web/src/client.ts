// The one place the app imports the gateway's typed client from (see README: "Using the generated client").
export { createGatewayClient, type GatewayClient, type components } from "./gateway-client/index";
