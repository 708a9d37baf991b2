// Adds the demo's sample products to the catalogue of a Development gateway (its emulator starts with none):
//   node seed-catalogue.mjs http://127.0.0.1:5080
// A catalog admin's call: a development token with the catalog:write scope, then POST /tryon/v1/products. The app's
// "Add three sample products" button does the same from the page (src/sample-products.mjs holds the list).
import { catalogAdmin, sampleProductBody, sampleProducts } from "./src/sample-products.mjs";

export { sampleProducts };

export async function seedCatalogue(gateway, signal = AbortSignal.timeout(15_000)) {
  const base = gateway.replace(/\/+$/, "");
  const query = new URLSearchParams(catalogAdmin);
  const tokenResponse = await fetch(`${base}/dev/token?${query}`, { method: "POST", signal });
  if (!tokenResponse.ok) {
    throw new Error(`POST /dev/token answered ${tokenResponse.status}: is ${base} a gateway in Development?`);
  }
  const { access_token: token } = await tokenResponse.json();
  for (const product of sampleProducts) {
    const response = await fetch(`${base}/tryon/v1/products`, {
      method: "POST",
      signal,
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify(sampleProductBody(product, base)),
    });
    if (!response.ok) {
      throw new Error(`POST /tryon/v1/products (${product.externalId}) answered ${response.status}: ${await response.text()}`);
    }
  }
  return sampleProducts.length;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const gateway = process.argv[2] ?? "http://127.0.0.1:5080";
  const count = await seedCatalogue(gateway);
  console.log(`added ${count} products to ${gateway}`);
}
