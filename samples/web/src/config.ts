/**
 * Where the gateway is. Served by the gateway itself (Development), the page's own origin. Served from another origin,
 * `?gateway=https://gateway.example.com` or `<meta name="genlook-gateway" content="…">` in index.html; that origin
 * must then be listed in the gateway's `Cors:AllowedOrigins`.
 */
export function gatewayBaseUrl(location: Location, document: Document): string {
  const configured =
    new URLSearchParams(location.search).get("gateway") ??
    document.querySelector<HTMLMetaElement>('meta[name="genlook-gateway"]')?.content ??
    "";
  if (configured.trim() === "") {
    return location.origin;
  }

  let url: URL;
  try {
    url = new URL(configured);
  } catch {
    throw new Error(`The gateway address "${configured}" is not a URL (expected e.g. https://gateway.example.com).`);
  }

  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`The gateway address must be http or https (got ${url.protocol}).`);
  }

  return url.origin + url.pathname.replace(/\/+$/, "");
}
