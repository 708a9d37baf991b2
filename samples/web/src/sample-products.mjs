// The demo's sample products, shared by the app's "Add three sample products" button (Development) and
// seed-catalogue.mjs: plain JavaScript so Node runs the script without a build step.

/** Who adds them: a catalog admin's development token (`POST /dev/token?sub=…&scope=…`). */
export const catalogAdmin = { sub: "catalog-admin", scope: "catalog:write" };

/** @type {readonly { externalId: string, title: string, image: string }[]} */
export const sampleProducts = [
  { externalId: "red-tee", title: "Red T-shirt", image: "red-tee.svg" },
  { externalId: "blue-hoodie", title: "Blue hoodie", image: "blue-hoodie.svg" },
  { externalId: "green-dress", title: "Green dress", image: "green-dress.svg" },
];

/**
 * The `POST /tryon/v1/products` body of a sample product. Its image is the copy the gateway serves with the demo
 * (`<gateway>/sample-products/*.svg`): the emulator downloads nothing, the browser shows the thumbnail from there.
 * @param {{ externalId: string, title: string, image: string }} product
 * @param {string} gateway the gateway's base URL, without a trailing slash
 * @returns {{ externalId: string, title: string, images: { source: { url: string } }[] }}
 */
export function sampleProductBody(product, gateway) {
  return {
    externalId: product.externalId,
    title: product.title,
    images: [{ source: { url: `${gateway}/sample-products/${product.image}` } }],
  };
}
