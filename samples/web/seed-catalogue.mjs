// Adds the demo's sample products to the catalogue of a Development gateway (its emulator starts with none):
//   node seed-catalogue.mjs http://127.0.0.1:5080
// A catalog admin's call: a development token with the catalog:write scope, then POST /tryon/v1/products.
export const sampleProducts = [
  { externalId: "red-tee", title: "Red T-shirt", image: "red-tee.svg" },
  { externalId: "blue-hoodie", title: "Blue hoodie", image: "blue-hoodie.svg" },
  { externalId: "green-dress", title: "Green dress", image: "green-dress.svg" },
];

/** Product images point at the copies the gateway serves with the demo (the emulator downloads nothing). */
export async function seedCatalogue(gateway, signal = AbortSignal.timeout(15_000)) {
  const base = gateway.replace(/\/+$/, "");
  const tokenResponse = await fetch(`${base}/dev/token?sub=catalog-admin&scope=catalog:write`, { method: "POST", signal });
  if (!tokenResponse.ok) {
    throw new Error(`POST /dev/token answered ${tokenResponse.status}: is ${base} a gateway in Development?`);
  }
  const { access_token: token } = await tokenResponse.json();
  for (const product of sampleProducts) {
    const response = await fetch(`${base}/tryon/v1/products`, {
      method: "POST",
      signal,
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify({
        externalId: product.externalId,
        title: product.title,
        images: [{ source: { url: `${base}/sample-products/${product.image}` } }],
      }),
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
