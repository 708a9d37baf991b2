// Fails when src/schema.d.ts is not what `npm run generate` writes from the gateway's current OpenAPI document.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "gateway-client-"));
try {
  const fresh = join(dir, "schema.d.ts");
  execFileSync(process.execPath, ["node_modules/openapi-typescript/bin/cli.js", "../../src/Gateway/OpenApi/openapi.json", "-o", fresh], { stdio: ["ignore", "ignore", "inherit"] });
  const committed = readFileSync("src/schema.d.ts", "utf8");
  if (readFileSync(fresh, "utf8") !== committed) {
    console.error("src/schema.d.ts is out of date with src/Gateway/OpenApi/openapi.json: run `npm run generate` and commit it.");
    process.exit(1);
  }
  console.log("src/schema.d.ts is up to date.");
} finally {
  rmSync(dir, { recursive: true, force: true });
}
