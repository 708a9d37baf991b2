import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repository = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** The Release build of the solution (test.sh builds it first); GATEWAY_DLL points elsewhere. */
export const gatewayDll = process.env.GATEWAY_DLL ?? path.join(repository, "src/Gateway/bin/Release/net10.0/Genlook.Gateway.dll");

export interface Gateway {
  baseURL: string;
  /** The process's output so far, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

/** A free loopback port, for the embedded emulator (the gateway itself binds port 0 and reports its port). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/**
 * Starts the built gateway in Development (embedded emulator, development tokens, the demo at /) on a free
 * 127.0.0.1 port, with `settings` as environment variables (e.g. RateLimiting__Policies__tryon__PermitLimit).
 * Resolves once it logs its address; fails (never skips) when it cannot start within the bound.
 */
export async function startGateway(settings: Record<string, string> = {}, startupTimeoutMs = 60_000): Promise<Gateway> {
  if (!existsSync(gatewayDll)) {
    throw new Error(`${gatewayDll} is missing: build the solution first (dotnet build Gateway.sln -c Release).`);
  }

  const emulatorPort = await freePort();
  const child = spawn("dotnet", [gatewayDll], {
    cwd: path.dirname(gatewayDll),
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      ASPNETCORE_ENVIRONMENT: "Development",
      ASPNETCORE_URLS: "http://127.0.0.1:0",
      Genlook__Emulator__Url: `http://127.0.0.1:${emulatorPort}`,
      ConnectionStrings__Redis: "",
      Logging__Console__FormatterName: "simple",
      ...settings,
    },
  });

  let output = "";
  const log = () => output.slice(-8000);
  const baseURL = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`The gateway did not report its address within ${startupTimeoutMs / 1000} s.`)), startupTimeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(new Error(`${error.message}\n--- gateway output ---\n${log()}`));
    };
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Genlook Gateway listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout!.on("data", read);
    child.stderr!.on("data", read);
    child.once("error", (error) => fail(error));
    child.once("exit", (code) => fail(new Error(`The gateway exited with code ${code} while starting.`)));
  });

  child.removeAllListeners("exit");
  return { baseURL, log, stop: () => stop(child) };
}

/** SIGTERM (graceful shutdown), then SIGKILL if it has not exited within 10 s. */
function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
