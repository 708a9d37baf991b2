// Builds the demo into dist/ (committed: the gateway serves it in Development without Node).
//   node build.mjs           write dist/
//   node build.mjs --check   build into a temporary folder and fail if dist/ differs (a stale committed bundle)
import * as esbuild from "esbuild";
import { cp, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(root, "dist");
const check = process.argv.includes("--check");

/**
 * Packages imported by the generated client (clients/typescript) resolve from this app's node_modules, whether or not
 * that folder has its own: the bundle must not depend on which folder ran `npm ci` first. esbuild's nodePaths only
 * applies when the importer's own tree has no match, so this needs a resolve hook.
 */
const packagesFromThisApp = {
  name: "packages-from-this-app",
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData === "retry" || !path.relative(root, args.importer).startsWith("..")) {
        return undefined;
      }
      return build.resolve(args.path, { kind: args.kind, resolveDir: root, pluginData: "retry" });
    });
  },
};

/** Same inputs, same bytes: no timestamps, no absolute paths, no source maps (the bundle is not minified). */
async function build(outdir) {
  await rm(outdir, { recursive: true, force: true });
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: { app: "src/main.ts" },
    bundle: true,
    format: "esm",
    target: "es2022",
    outdir,
    minify: false,
    legalComments: "eof",
    charset: "utf8",
    plugins: [packagesFromThisApp],
    logLevel: "warning",
  });
  await esbuild.build({ absWorkingDir: root, entryPoints: { app: "src/styles.css" }, bundle: true, outdir, logLevel: "warning" });
  await cp(path.join(root, "src", "index.html"), path.join(outdir, "index.html"));
  await cp(path.join(root, "static"), outdir, { recursive: true });
}

async function files(dir, prefix = "") {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const out = [];
  for (const entry of entries) {
    const name = path.posix.join(prefix, entry.name);
    out.push(...(entry.isDirectory() ? await files(path.join(dir, entry.name), name) : [name]));
  }
  return out.sort();
}

if (!check) {
  await build(dist);
  console.log(`built ${(await files(dist)).length} files into dist/`);
} else {
  const fresh = await mkdtemp(path.join(tmpdir(), "genlook-demo-"));
  try {
    await build(fresh);
    const expected = await files(fresh);
    const committed = await files(dist);
    const stale = [];
    for (const name of new Set([...expected, ...committed])) {
      const [a, b] = await Promise.all([readFile(path.join(fresh, name)).catch(() => null), readFile(path.join(dist, name)).catch(() => null)]);
      if (!a || !b || !a.equals(b)) {
        stale.push(!b ? `${name} (missing from dist/)` : !a ? `${name} (no longer built)` : name);
      }
    }
    if (stale.length > 0) {
      console.error(`dist/ is stale: run 'npm run build' in samples/web and commit dist/. Differs: ${stale.join(", ")}`);
      process.exit(1);
    }
    console.log(`dist/ is up to date (${expected.length} files)`);
  } finally {
    await rm(fresh, { recursive: true, force: true });
  }
}
