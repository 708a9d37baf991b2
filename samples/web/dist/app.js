// node_modules/eventsource-parser/dist/index.js
var ParseError = class extends Error {
  constructor(message, options) {
    super(message), this.name = "ParseError", this.type = options.type, this.field = options.field, this.value = options.value, this.line = options.line;
  }
};
function noop(_arg) {
}
function createParser(callbacks) {
  if (typeof callbacks == "function")
    throw new TypeError(
      "`callbacks` must be an object, got a function instead. Did you mean `{onEvent: fn}`?"
    );
  const { onEvent = noop, onError = noop, onRetry = noop, onComment } = callbacks;
  let incompleteLine = "", isFirstChunk = true, id, data = "", eventType = "";
  function feed(newChunk) {
    const chunk = isFirstChunk ? newChunk.replace(/^\xEF\xBB\xBF/, "") : newChunk, [complete, incomplete] = splitLines(`${incompleteLine}${chunk}`);
    for (const line of complete)
      parseLine(line);
    incompleteLine = incomplete, isFirstChunk = false;
  }
  function parseLine(line) {
    if (line === "") {
      dispatchEvent();
      return;
    }
    if (line.startsWith(":")) {
      onComment && onComment(line.slice(line.startsWith(": ") ? 2 : 1));
      return;
    }
    const fieldSeparatorIndex = line.indexOf(":");
    if (fieldSeparatorIndex !== -1) {
      const field = line.slice(0, fieldSeparatorIndex), offset = line[fieldSeparatorIndex + 1] === " " ? 2 : 1, value = line.slice(fieldSeparatorIndex + offset);
      processField(field, value, line);
      return;
    }
    processField(line, "", line);
  }
  function processField(field, value, line) {
    switch (field) {
      case "event":
        eventType = value;
        break;
      case "data":
        data = `${data}${value}
`;
        break;
      case "id":
        id = value.includes("\0") ? void 0 : value;
        break;
      case "retry":
        /^\d+$/.test(value) ? onRetry(parseInt(value, 10)) : onError(
          new ParseError(`Invalid \`retry\` value: "${value}"`, {
            type: "invalid-retry",
            value,
            line
          })
        );
        break;
      default:
        onError(
          new ParseError(
            `Unknown field "${field.length > 20 ? `${field.slice(0, 20)}…` : field}"`,
            { type: "unknown-field", field, value, line }
          )
        );
        break;
    }
  }
  function dispatchEvent() {
    data.length > 0 && onEvent({
      id,
      event: eventType || void 0,
      // If the data buffer's last character is a U+000A LINE FEED (LF) character,
      // then remove the last character from the data buffer.
      data: data.endsWith(`
`) ? data.slice(0, -1) : data
    }), id = void 0, data = "", eventType = "";
  }
  function reset(options = {}) {
    incompleteLine && options.consume && parseLine(incompleteLine), isFirstChunk = true, id = void 0, data = "", eventType = "", incompleteLine = "";
  }
  return { feed, reset };
}
function splitLines(chunk) {
  const lines = [];
  let incompleteLine = "", searchIndex = 0;
  for (; searchIndex < chunk.length; ) {
    const crIndex = chunk.indexOf("\r", searchIndex), lfIndex = chunk.indexOf(`
`, searchIndex);
    let lineEnd = -1;
    if (crIndex !== -1 && lfIndex !== -1 ? lineEnd = Math.min(crIndex, lfIndex) : crIndex !== -1 ? crIndex === chunk.length - 1 ? lineEnd = -1 : lineEnd = crIndex : lfIndex !== -1 && (lineEnd = lfIndex), lineEnd === -1) {
      incompleteLine = chunk.slice(searchIndex);
      break;
    } else {
      const line = chunk.slice(searchIndex, lineEnd);
      lines.push(line), searchIndex = lineEnd + 1, chunk[searchIndex - 1] === "\r" && chunk[searchIndex] === `
` && searchIndex++;
    }
  }
  return [lines, incompleteLine];
}

// node_modules/eventsource-parser/dist/stream.js
var EventSourceParserStream = class extends TransformStream {
  constructor({ onError, onRetry, onComment } = {}) {
    let parser;
    super({
      start(controller) {
        parser = createParser({
          onEvent: (event) => {
            controller.enqueue(event);
          },
          onError(error) {
            onError === "terminate" ? controller.error(error) : typeof onError == "function" && onError(error);
          },
          onRetry,
          onComment
        });
      },
      transform(chunk) {
        parser.feed(chunk);
      }
    });
  }
};

// node_modules/openapi-fetch/dist/index.mjs
var PATH_PARAM_RE = /\{[^{}]+\}/g;
var supportsRequestInitExt = () => {
  return typeof process === "object" && Number.parseInt(process?.versions?.node?.substring(0, 2)) >= 18 && process.versions.undici;
};
function randomID() {
  return Math.random().toString(36).slice(2, 11);
}
function createClient(clientOptions) {
  let {
    baseUrl: baseUrl2 = "",
    Request: CustomRequest = globalThis.Request,
    fetch: baseFetch = globalThis.fetch,
    querySerializer: globalQuerySerializer,
    bodySerializer: globalBodySerializer,
    pathSerializer: globalPathSerializer,
    headers: baseHeaders,
    requestInitExt = void 0,
    ...baseOptions
  } = { ...clientOptions };
  requestInitExt = supportsRequestInitExt() ? requestInitExt : void 0;
  baseUrl2 = removeTrailingSlash(baseUrl2);
  const globalMiddlewares = [];
  async function coreFetch(schemaPath, fetchOptions) {
    const {
      baseUrl: localBaseUrl,
      fetch: fetch2 = baseFetch,
      Request = CustomRequest,
      headers,
      params = {},
      parseAs = "json",
      querySerializer: requestQuerySerializer,
      bodySerializer = globalBodySerializer ?? defaultBodySerializer,
      pathSerializer: requestPathSerializer,
      body,
      middleware: requestMiddlewares = [],
      ...init
    } = fetchOptions || {};
    let finalBaseUrl = baseUrl2;
    if (localBaseUrl) {
      finalBaseUrl = removeTrailingSlash(localBaseUrl) ?? baseUrl2;
    }
    let querySerializer = typeof globalQuerySerializer === "function" ? globalQuerySerializer : createQuerySerializer(globalQuerySerializer);
    if (requestQuerySerializer) {
      querySerializer = typeof requestQuerySerializer === "function" ? requestQuerySerializer : createQuerySerializer({
        ...typeof globalQuerySerializer === "object" ? globalQuerySerializer : {},
        ...requestQuerySerializer
      });
    }
    const pathSerializer = requestPathSerializer || globalPathSerializer || defaultPathSerializer;
    const serializedBody = body === void 0 ? void 0 : bodySerializer(
      body,
      // Note: we declare mergeHeaders() both here and below because it’s a bit of a chicken-or-egg situation:
      // bodySerializer() needs all headers so we aren’t dropping ones set by the user, however,
      // the result of this ALSO sets the lowest-priority content-type header. So we re-merge below,
      // setting the content-type at the very beginning to be overwritten.
      // Lastly, based on the way headers work, it’s not a simple “present-or-not” check becauase null intentionally un-sets headers.
      mergeHeaders(baseHeaders, headers, params.header)
    );
    const finalHeaders = mergeHeaders(
      // with no body, we should not to set Content-Type
      serializedBody === void 0 || // if serialized body is FormData; browser will correctly set Content-Type & boundary expression
      serializedBody instanceof FormData ? {} : {
        "Content-Type": "application/json"
      },
      baseHeaders,
      headers,
      params.header
    );
    const finalMiddlewares = [...globalMiddlewares, ...requestMiddlewares];
    const requestInit = {
      redirect: "follow",
      ...baseOptions,
      ...init,
      body: serializedBody,
      headers: finalHeaders
    };
    let id;
    let options;
    let request = new Request(
      createFinalURL(schemaPath, { baseUrl: finalBaseUrl, params, querySerializer, pathSerializer }),
      requestInit
    );
    let response;
    for (const key in init) {
      if (!(key in request)) {
        request[key] = init[key];
      }
    }
    if (finalMiddlewares.length) {
      id = randomID();
      options = Object.freeze({
        baseUrl: finalBaseUrl,
        fetch: fetch2,
        parseAs,
        querySerializer,
        bodySerializer,
        pathSerializer
      });
      for (const m of finalMiddlewares) {
        if (m && typeof m === "object" && typeof m.onRequest === "function") {
          const result = await m.onRequest({
            request,
            schemaPath,
            params,
            options,
            id
          });
          if (result) {
            if (result instanceof Request) {
              request = result;
            } else if (result instanceof Response) {
              response = result;
              break;
            } else {
              throw new Error("onRequest: must return new Request() or Response() when modifying the request");
            }
          }
        }
      }
    }
    if (!response) {
      try {
        response = await fetch2(request, requestInitExt);
      } catch (error2) {
        let errorAfterMiddleware = error2;
        if (finalMiddlewares.length) {
          for (let i = finalMiddlewares.length - 1; i >= 0; i--) {
            const m = finalMiddlewares[i];
            if (m && typeof m === "object" && typeof m.onError === "function") {
              const result = await m.onError({
                request,
                error: errorAfterMiddleware,
                schemaPath,
                params,
                options,
                id
              });
              if (result) {
                if (result instanceof Response) {
                  errorAfterMiddleware = void 0;
                  response = result;
                  break;
                }
                if (result instanceof Error) {
                  errorAfterMiddleware = result;
                  continue;
                }
                throw new Error("onError: must return new Response() or instance of Error");
              }
            }
          }
        }
        if (errorAfterMiddleware) {
          throw errorAfterMiddleware;
        }
      }
      if (finalMiddlewares.length) {
        for (let i = finalMiddlewares.length - 1; i >= 0; i--) {
          const m = finalMiddlewares[i];
          if (m && typeof m === "object" && typeof m.onResponse === "function") {
            const result = await m.onResponse({
              request,
              response,
              schemaPath,
              params,
              options,
              id
            });
            if (result) {
              if (!(result instanceof Response)) {
                throw new Error("onResponse: must return new Response() when modifying the response");
              }
              response = result;
            }
          }
        }
      }
    }
    const contentLength = response.headers.get("Content-Length");
    if (response.status === 204 || request.method === "HEAD" || contentLength === "0" && !response.headers.get("Transfer-Encoding")?.includes("chunked")) {
      return response.ok ? { data: void 0, response } : { error: void 0, response };
    }
    if (response.ok) {
      const getResponseData = async () => {
        if (parseAs === "stream") {
          return response.body;
        }
        if (parseAs === "json" && !contentLength) {
          const raw = await response.text();
          return raw ? JSON.parse(raw) : void 0;
        }
        return await response[parseAs]();
      };
      return { data: await getResponseData(), response };
    }
    let error = await response.text();
    try {
      error = JSON.parse(error);
    } catch {
    }
    return { error, response };
  }
  return {
    request(method, url, init) {
      return coreFetch(url, { ...init, method: method.toUpperCase() });
    },
    /** Call a GET endpoint */
    GET(url, init) {
      return coreFetch(url, { ...init, method: "GET" });
    },
    /** Call a PUT endpoint */
    PUT(url, init) {
      return coreFetch(url, { ...init, method: "PUT" });
    },
    /** Call a POST endpoint */
    POST(url, init) {
      return coreFetch(url, { ...init, method: "POST" });
    },
    /** Call a DELETE endpoint */
    DELETE(url, init) {
      return coreFetch(url, { ...init, method: "DELETE" });
    },
    /** Call a OPTIONS endpoint */
    OPTIONS(url, init) {
      return coreFetch(url, { ...init, method: "OPTIONS" });
    },
    /** Call a HEAD endpoint */
    HEAD(url, init) {
      return coreFetch(url, { ...init, method: "HEAD" });
    },
    /** Call a PATCH endpoint */
    PATCH(url, init) {
      return coreFetch(url, { ...init, method: "PATCH" });
    },
    /** Call a TRACE endpoint */
    TRACE(url, init) {
      return coreFetch(url, { ...init, method: "TRACE" });
    },
    /** Register middleware */
    use(...middleware) {
      for (const m of middleware) {
        if (!m) {
          continue;
        }
        if (typeof m !== "object" || !("onRequest" in m || "onResponse" in m || "onError" in m)) {
          throw new Error("Middleware must be an object with one of `onRequest()`, `onResponse() or `onError()`");
        }
        globalMiddlewares.push(m);
      }
    },
    /** Unregister middleware */
    eject(...middleware) {
      for (const m of middleware) {
        const i = globalMiddlewares.indexOf(m);
        if (i !== -1) {
          globalMiddlewares.splice(i, 1);
        }
      }
    }
  };
}
function serializePrimitiveParam(name, value, options) {
  if (value === void 0 || value === null) {
    return "";
  }
  if (typeof value === "object") {
    throw new Error(
      "Deeply-nested arrays/objects aren’t supported. Provide your own `querySerializer()` to handle these."
    );
  }
  return `${name}=${options?.allowReserved === true ? value : encodeURIComponent(value)}`;
}
function serializeObjectParam(name, value, options) {
  if (!value || typeof value !== "object") {
    return "";
  }
  const values = [];
  const joiner = {
    simple: ",",
    label: ".",
    matrix: ";"
  }[options.style] || "&";
  if (options.style !== "deepObject" && options.explode === false) {
    for (const k in value) {
      values.push(k, options.allowReserved === true ? value[k] : encodeURIComponent(value[k]));
    }
    const final2 = values.join(",");
    switch (options.style) {
      case "form": {
        return `${name}=${final2}`;
      }
      case "label": {
        return `.${final2}`;
      }
      case "matrix": {
        return `;${name}=${final2}`;
      }
      default: {
        return final2;
      }
    }
  }
  for (const k in value) {
    const finalName = options.style === "deepObject" ? `${name}[${k}]` : k;
    values.push(serializePrimitiveParam(finalName, value[k], options));
  }
  const final = values.join(joiner);
  return options.style === "label" || options.style === "matrix" ? `${joiner}${final}` : final;
}
function serializeArrayParam(name, value, options) {
  if (!Array.isArray(value)) {
    return "";
  }
  if (options.explode === false) {
    const joiner2 = { form: ",", spaceDelimited: "%20", pipeDelimited: "|" }[options.style] || ",";
    const final = (options.allowReserved === true ? value : value.map((v) => encodeURIComponent(v))).join(joiner2);
    switch (options.style) {
      case "simple": {
        return final;
      }
      case "label": {
        return `.${final}`;
      }
      case "matrix": {
        return `;${name}=${final}`;
      }
      // case "spaceDelimited":
      // case "pipeDelimited":
      default: {
        return `${name}=${final}`;
      }
    }
  }
  const joiner = { simple: ",", label: ".", matrix: ";" }[options.style] || "&";
  const values = [];
  for (const v of value) {
    if (options.style === "simple" || options.style === "label") {
      values.push(options.allowReserved === true ? v : encodeURIComponent(v));
    } else {
      values.push(serializePrimitiveParam(name, v, options));
    }
  }
  return options.style === "label" || options.style === "matrix" ? `${joiner}${values.join(joiner)}` : values.join(joiner);
}
function createQuerySerializer(options) {
  return function querySerializer(queryParams) {
    const search = [];
    if (queryParams && typeof queryParams === "object") {
      for (const name in queryParams) {
        const value = queryParams[name];
        if (value === void 0 || value === null) {
          continue;
        }
        if (Array.isArray(value)) {
          if (value.length === 0) {
            continue;
          }
          search.push(
            serializeArrayParam(name, value, {
              style: "form",
              explode: true,
              ...options?.array,
              allowReserved: options?.allowReserved || false
            })
          );
          continue;
        }
        if (typeof value === "object") {
          search.push(
            serializeObjectParam(name, value, {
              style: "deepObject",
              explode: true,
              ...options?.object,
              allowReserved: options?.allowReserved || false
            })
          );
          continue;
        }
        search.push(serializePrimitiveParam(name, value, options));
      }
    }
    return search.join("&");
  };
}
function defaultPathSerializer(pathname, pathParams) {
  let nextURL = pathname;
  for (const match of pathname.match(PATH_PARAM_RE) ?? []) {
    let name = match.substring(1, match.length - 1);
    let explode = false;
    let style = "simple";
    if (name.endsWith("*")) {
      explode = true;
      name = name.substring(0, name.length - 1);
    }
    if (name.startsWith(".")) {
      style = "label";
      name = name.substring(1);
    } else if (name.startsWith(";")) {
      style = "matrix";
      name = name.substring(1);
    }
    if (!pathParams || pathParams[name] === void 0 || pathParams[name] === null) {
      continue;
    }
    const value = pathParams[name];
    if (Array.isArray(value)) {
      nextURL = nextURL.replace(match, serializeArrayParam(name, value, { style, explode }));
      continue;
    }
    if (typeof value === "object") {
      nextURL = nextURL.replace(match, serializeObjectParam(name, value, { style, explode }));
      continue;
    }
    if (style === "matrix") {
      nextURL = nextURL.replace(match, `;${serializePrimitiveParam(name, value)}`);
      continue;
    }
    nextURL = nextURL.replace(match, style === "label" ? `.${encodeURIComponent(value)}` : encodeURIComponent(value));
  }
  return nextURL;
}
function defaultBodySerializer(body, headers) {
  if (body instanceof FormData) {
    return body;
  }
  if (headers) {
    const contentType = headers.get instanceof Function ? headers.get("Content-Type") ?? headers.get("content-type") : headers["Content-Type"] ?? headers["content-type"];
    if (contentType === "application/x-www-form-urlencoded") {
      return new URLSearchParams(body).toString();
    }
  }
  return JSON.stringify(body);
}
function createFinalURL(pathname, options) {
  let finalURL = `${options.baseUrl}${pathname}`;
  if (options.params?.path) {
    finalURL = options.pathSerializer(finalURL, options.params.path);
  }
  let search = options.querySerializer(options.params.query ?? {});
  if (search.startsWith("?")) {
    search = search.substring(1);
  }
  if (search) {
    finalURL += `?${search}`;
  }
  return finalURL;
}
function mergeHeaders(...allHeaders) {
  const finalHeaders = new Headers();
  for (const h of allHeaders) {
    if (!h || typeof h !== "object") {
      continue;
    }
    const iterator = h instanceof Headers ? h.entries() : Object.entries(h);
    for (const [k, v] of iterator) {
      if (v === null) {
        finalHeaders.delete(k);
      } else if (Array.isArray(v)) {
        for (const v2 of v) {
          finalHeaders.append(k, v2);
        }
      } else if (v !== void 0) {
        finalHeaders.set(k, v);
      }
    }
  }
  return finalHeaders;
}
function removeTrailingSlash(url) {
  if (url.endsWith("/")) {
    return url.substring(0, url.length - 1);
  }
  return url;
}

// ../../clients/typescript/src/index.ts
function createGatewayClient(options) {
  const client2 = createClient({ baseUrl: options.baseUrl, fetch: options.fetch });
  client2.use(bearerAuth(options.getToken));
  return client2;
}
function bearerAuth(getToken2) {
  return {
    async onRequest({ request }) {
      const token = await getToken2();
      if (token) {
        request.headers.set("Authorization", `Bearer ${token}`);
      }
      return request;
    }
  };
}
function isGatewayError(body) {
  if (typeof body !== "object" || body === null) return false;
  const candidate = body;
  return typeof candidate.code === "string" && typeof candidate.message === "string" && typeof candidate.status === "number";
}
function retryAfterSeconds(response) {
  const value = response.headers.get("Retry-After");
  if (value === null || !/^[0-9]+$/.test(value.trim())) return null;
  return Number.parseInt(value, 10);
}
function uploadImage(client2, file, options = {}) {
  const form = new FormData();
  form.append("file", file, options.filename ?? (file instanceof File ? file.name : "photo.jpg"));
  if (options.crop !== void 0) form.append("crop", String(options.crop));
  if (options.keepForDays !== void 0) form.append("keepForDays", String(options.keepForDays));
  return client2.POST("/tryon/v1/images/upload", {
    // The typed body describes the form's fields; the FormData built above is what is sent.
    body: {},
    bodySerializer: () => form,
    params: { header: options.idempotencyKey ? { "Idempotency-Key": options.idempotencyKey } : {} },
    signal: options.signal
  });
}
async function watchGeneration(id, options) {
  const headers = new Headers({ Accept: "text/event-stream" });
  const token = await options.getToken();
  if (token) headers.set("Authorization", `Bearer ${token}`);
  const doFetch = options.fetch ?? globalThis.fetch;
  const response = await doFetch(`${options.baseUrl}/tryon/v1/generations/${encodeURIComponent(id)}`, { headers, signal: options.signal });
  if (!response.ok || !response.body || !(response.headers.get("Content-Type") ?? "").startsWith("text/event-stream")) {
    throw response;
  }
  let last = null;
  const events = response.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
  const reader = events.getReader();
  for (; ; ) {
    const { value, done } = await reader.read();
    if (done) break;
    if (value.event === "status") {
      last = JSON.parse(value.data);
      options.onStatus(last);
    } else if (value.event === "error") {
      await reader.cancel();
      throw JSON.parse(value.data);
    }
  }
  return last;
}

// src/errors.ts
var ApiProblem = class extends Error {
  constructor(message, status, code, retryAfterSeconds3) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds3;
    this.name = "ApiProblem";
  }
  status;
  code;
  retryAfterSeconds;
};
function retryAfterSeconds2(response, now = Date.now()) {
  const seconds = retryAfterSeconds(response);
  if (seconds !== null) {
    return Math.max(1, seconds);
  }
  const date = Date.parse(response.headers.get("Retry-After") ?? "");
  return Number.isNaN(date) ? 5 : Math.max(1, Math.ceil((date - now) / 1e3));
}
function problemFromResponse(action, response, body) {
  const status = response.status;
  const code = isGatewayError(body) ? body.code : void 0;
  const detail = isGatewayError(body) ? body.message : void 0;
  const problem = (message, retryAfter) => new ApiProblem(message, status, code, retryAfter);
  if (action === "add-products" && (status === 401 || status === 403)) {
    return problem(`The gateway did not let the development catalog admin add products (${code ?? status}).`);
  }
  switch (status) {
    case 401:
      return problem("Your sign-in has expired or is not valid. Please sign in again.");
    case 403:
      return problem(
        action === "try-on" ? "You are not allowed to use this photo: it was uploaded by another account. Upload your own photo." : "You are not allowed to do this with your account."
      );
    case 404:
      if (action === "generation" || code === "GENERATION_NOT_FOUND") {
        return problem("This try-on was not found. It may belong to another account, or the link is wrong.");
      }
      if (code === "PRODUCT_NOT_FOUND") {
        return problem("This product is no longer in the catalogue. Choose another one.");
      }
      return problem("Not found: the gateway does not know this address.");
    case 413:
      return problem("This photo is too large (max 10 MB). Choose a smaller photo.");
    case 429: {
      const seconds = retryAfterSeconds2(response);
      const what = action === "upload" ? "uploads" : action === "try-on" ? "try-ons" : "requests";
      return problem(`Too many ${what} for now. You can try again in ${seconds} s.`, seconds);
    }
  }
  if (status >= 500) {
    return problem(`The try-on service is not available right now (${code ?? status}). Please try again in a moment.`);
  }
  return problem(detail ? `The request was refused: ${detail}` : `The request was refused (${code ?? status}).`);
}
function problemFromNetwork(error) {
  if (error instanceof ApiProblem) {
    return error;
  }
  return new ApiProblem("Could not reach the try-on service. Check your connection and try again.", void 0, void 0);
}

// src/auth.ts
async function developmentToken(baseUrl2, name, scope) {
  const query = new URLSearchParams({ sub: name, ...scope ? { scope } : {} });
  let response;
  try {
    response = await fetch(`${baseUrl2}/dev/token?${query}`, { method: "POST" });
  } catch (error) {
    throw problemFromNetwork(error);
  }
  const body = await response.json().catch(() => void 0);
  if (!response.ok) {
    if (response.status === 404) {
      throw new Error("This gateway has no development sign-in (it runs outside Development): sign in with your identity provider.");
    }
    throw problemFromResponse("sign-in", response, body);
  }
  const token = body?.access_token;
  if (typeof token !== "string") {
    throw new Error("The gateway's development sign-in answered without a token.");
  }
  return token;
}

// src/config.ts
function gatewayBaseUrl(location2, document2) {
  const configured = new URLSearchParams(location2.search).get("gateway") ?? document2.querySelector('meta[name="genlook-gateway"]')?.content ?? "";
  if (configured.trim() === "") {
    return location2.origin;
  }
  let url;
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

// src/sample-products.mjs
var catalogAdmin = { sub: "catalog-admin", scope: "catalog:write" };
var sampleProducts = [
  { externalId: "red-tee", title: "Red T-shirt", image: "red-tee.svg" },
  { externalId: "blue-hoodie", title: "Blue hoodie", image: "blue-hoodie.svg" },
  { externalId: "green-dress", title: "Green dress", image: "green-dress.svg" }
];
function sampleProductBody(product, gateway) {
  return {
    externalId: product.externalId,
    title: product.title,
    images: [{ source: { url: `${gateway}/sample-products/${product.image}` } }]
  };
}

// src/watch.ts
var defaults = { pollIntervalMs: 1e3, maxWaitMs: 5 * 60 * 1e3 };
var isDone = (generation) => generation.status === "COMPLETED" || generation.status === "FAILED";
async function followGeneration(gateway, id, callbacks, signal, options = defaults) {
  const deadline = Date.now() + options.maxWaitMs;
  const last = await watchLive(gateway, id, callbacks, signal);
  if (last && isDone(last)) {
    return last;
  }
  callbacks.onMode("polling");
  return poll(gateway.client, id, callbacks, signal, options, deadline, last !== void 0);
}
async function watchLive(gateway, id, callbacks, signal) {
  let last;
  try {
    const final = await watchGeneration(id, {
      baseUrl: gateway.baseUrl,
      getToken: gateway.getToken,
      signal,
      onStatus: (generation) => {
        if (last === void 0) {
          callbacks.onMode("live");
        }
        last = generation;
        callbacks.onStatus(generation);
      }
    });
    return final ?? last;
  } catch (thrown) {
    signal.throwIfAborted();
    if (isGatewayError(thrown)) {
      if (thrown.status === 401 || thrown.status === 403 || thrown.status === 404) {
        throw problemFromResponse("generation", new Response(null, { status: thrown.status }), thrown);
      }
      return last;
    }
    if (!(thrown instanceof Response)) {
      return last;
    }
    const response = thrown;
    const body = await response.json().catch(() => void 0);
    if (response.status === 401 || response.status === 403 || response.status === 404) {
      throw problemFromResponse("generation", response, body);
    }
    if (response.ok && typeof body === "object" && body !== null && "status" in body) {
      const generation = body;
      callbacks.onStatus(generation);
      return generation;
    }
    return void 0;
  }
}
async function poll(client2, id, callbacks, signal, options, deadline, waitFirst) {
  let failures = 0;
  let wait = waitFirst ? options.pollIntervalMs : 0;
  while (Date.now() + wait < deadline) {
    await sleep(wait, signal);
    wait = options.pollIntervalMs;
    let answer;
    try {
      answer = await client2.GET("/tryon/v1/generations/{id}", { params: { path: { id } }, signal });
    } catch (error) {
      signal.throwIfAborted();
      if (++failures >= 3) {
        throw problemFromNetwork(error);
      }
      wait = options.pollIntervalMs * 2 ** failures;
      continue;
    }
    const { response } = answer;
    if (response.status === 429) {
      const seconds = retryAfterSeconds2(response);
      callbacks.onWaiting(seconds);
      wait = seconds * 1e3;
      continue;
    }
    if (response.status >= 500 && ++failures < 3) {
      wait = options.pollIntervalMs * 2 ** failures;
      continue;
    }
    if (!answer.data) {
      throw problemFromResponse("generation", response, answer.error);
    }
    failures = 0;
    callbacks.onStatus(answer.data);
    if (isDone(answer.data)) {
      return answer.data;
    }
  }
  throw new ApiProblem("This try-on is taking much longer than usual. Open it again later from its link.", void 0, void 0);
}
function sleep(ms, signal) {
  if (ms <= 0) {
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", abort);
      resolve();
    }, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", abort, { once: true });
  });
}

// src/main.ts
var $ = (id) => document.getElementById(id);
var ui = {
  gatewayAddress: $("gateway-address"),
  signInForm: $("sign-in-form"),
  userName: $("user-name"),
  signInButton: $("sign-in-button"),
  signedIn: $("signed-in"),
  signedInName: $("signed-in-name"),
  signOutButton: $("sign-out-button"),
  signInMessage: $("sign-in-message"),
  photoInput: $("photo-input"),
  photoStatus: $("photo-status"),
  photoMessage: $("photo-message"),
  productChoice: $("product-choice"),
  catalogue: $("catalogue"),
  catalogueStatus: $("catalogue-status"),
  addSampleProducts: $("add-sample-products"),
  productUrlChoice: $("product-url-choice"),
  productUrl: $("product-url"),
  refreshCatalogue: $("refresh-catalogue"),
  productMessage: $("product-message"),
  tryOnButton: $("try-on-button"),
  progressArea: $("progress-area"),
  progress: $("progress"),
  watchMode: $("watch-mode"),
  tryOnStatus: $("try-on-status"),
  tryOnMessage: $("try-on-message"),
  comparison: $("comparison"),
  photoFigure: $("photo-figure"),
  photoPreview: $("photo-preview"),
  resultFigure: $("result-figure"),
  resultImage: $("result-image"),
  openForm: $("open-form"),
  generationId: $("generation-id"),
  openButton: $("open-button")
};
var state = {
  token: void 0,
  /** Signed in with the gateway's development sign-in: it runs in Development, with the emulator. */
  development: false,
  addingSamples: false,
  imageId: void 0,
  photoUrl: void 0,
  uploading: false,
  starting: false,
  watch: void 0,
  /** Controls held back by a 429 until their countdown ends. */
  coolingDown: /* @__PURE__ */ new Set()
};
var getToken = () => state.token;
var baseUrl;
var client;
try {
  baseUrl = gatewayBaseUrl(location, document);
  client = createGatewayClient({ baseUrl, getToken });
  ui.gatewayAddress.textContent = baseUrl;
} catch (error) {
  ui.gatewayAddress.textContent = "not set";
  show(ui.signInMessage, error instanceof Error ? error.message : String(error));
  ui.signInButton.disabled = true;
  throw error;
}
function show(element, text) {
  element.textContent = text;
}
function selectedProduct() {
  const checked = document.querySelector('input[name="product"]:checked');
  if (!checked) {
    return void 0;
  }
  if (checked === ui.productUrlChoice) {
    const url = ui.productUrl.value.trim();
    return /^https?:\/\/\S+$/i.test(url) && ui.productUrl.checkValidity() ? { url } : void 0;
  }
  return { externalId: checked.value };
}
function refreshControls() {
  const signedIn = state.token !== void 0;
  ui.signInForm.hidden = signedIn;
  ui.signedIn.hidden = !signedIn;
  ui.photoInput.disabled = !signedIn || state.uploading || state.coolingDown.has(ui.photoInput);
  ui.productChoice.disabled = !signedIn;
  ui.refreshCatalogue.disabled = !signedIn || state.addingSamples;
  ui.addSampleProducts.disabled = !signedIn || state.addingSamples || state.coolingDown.has(ui.addSampleProducts);
  ui.openButton.disabled = !signedIn;
  ui.tryOnButton.disabled = !signedIn || !state.imageId || state.uploading || state.starting || selectedProduct() === void 0 || state.watch !== void 0 || state.coolingDown.has(ui.tryOnButton);
}
function coolDown(control, message, problem) {
  let seconds = problem.retryAfterSeconds ?? 5;
  const text = () => problem.message.replace(/in \d+ s\./, `in ${seconds} s.`);
  state.coolingDown.add(control);
  show(message, text());
  refreshControls();
  const timer = setInterval(() => {
    seconds -= 1;
    if (seconds > 0) {
      show(message, text());
      return;
    }
    clearInterval(timer);
    state.coolingDown.delete(control);
    show(message, "");
    refreshControls();
    show(message.previousElementSibling?.getAttribute("role") === "status" ? message.previousElementSibling : message, "You can try again now.");
  }, 1e3);
}
function report(problem, message, control) {
  const described = problem instanceof ApiProblem ? problem : problem instanceof Error && problem.name !== "TypeError" ? problem : problemFromNetwork(problem);
  if (described instanceof ApiProblem && described.status === 401) {
    signOut();
    show(ui.signInMessage, described.message);
    return;
  }
  if (described instanceof ApiProblem && described.retryAfterSeconds !== void 0 && control) {
    coolDown(control, message, described);
    return;
  }
  show(message, described.message);
}
async function call(action, request) {
  let answer;
  try {
    answer = await request();
  } catch (error) {
    throw problemFromNetwork(error);
  }
  if (answer.data === void 0 || !answer.response.ok) {
    throw problemFromResponse(action, answer.response, answer.error);
  }
  return answer.data;
}
ui.signInForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const name = ui.userName.value.trim();
  if (!name) {
    show(ui.signInMessage, "Enter a name to sign in.");
    return;
  }
  show(ui.signInMessage, "");
  ui.signInButton.disabled = true;
  try {
    state.token = await developmentToken(baseUrl, name);
    state.development = true;
    ui.signedInName.textContent = name;
    refreshControls();
    await loadCatalogue();
    openFromLink();
  } catch (error) {
    report(error, ui.signInMessage);
  } finally {
    ui.signInButton.disabled = false;
  }
});
function signOut() {
  state.watch?.abort();
  state.token = void 0;
  state.development = false;
  state.imageId = void 0;
  ui.photoInput.value = "";
  for (const element of [ui.photoStatus, ui.photoMessage, ui.catalogueStatus, ui.productMessage, ui.tryOnStatus, ui.tryOnMessage]) {
    show(element, "");
  }
  ui.catalogue.replaceChildren();
  ui.addSampleProducts.hidden = true;
  ui.comparison.hidden = true;
  ui.progressArea.hidden = true;
  refreshControls();
}
ui.signOutButton.addEventListener("click", () => {
  signOut();
  ui.userName.focus();
});
ui.photoInput.addEventListener("change", async () => {
  const file = ui.photoInput.files?.[0];
  state.imageId = void 0;
  show(ui.photoMessage, "");
  if (!file) {
    refreshControls();
    return;
  }
  if (state.photoUrl) {
    URL.revokeObjectURL(state.photoUrl);
  }
  state.photoUrl = URL.createObjectURL(file);
  ui.photoPreview.src = state.photoUrl;
  ui.photoFigure.hidden = false;
  ui.resultFigure.hidden = true;
  ui.comparison.hidden = false;
  state.uploading = true;
  refreshControls();
  show(ui.photoStatus, "Uploading your photo…");
  try {
    const uploaded = await call("upload", () => uploadImage(client, file, { filename: file.name, idempotencyKey: idempotencyKey() }));
    state.imageId = uploaded.imageId;
    show(ui.photoStatus, "Photo uploaded.");
  } catch (error) {
    show(ui.photoStatus, "");
    ui.photoFigure.hidden = true;
    report(error, ui.photoMessage, ui.photoInput);
  } finally {
    state.uploading = false;
    refreshControls();
  }
});
async function loadCatalogue() {
  show(ui.productMessage, "");
  show(ui.catalogueStatus, "Loading the catalogue…");
  ui.addSampleProducts.hidden = true;
  try {
    const list = await call("catalogue", () => client.GET("/tryon/v1/products"));
    renderCatalogue(list.items);
  } catch (error) {
    show(ui.catalogueStatus, "");
    report(error, ui.productMessage, ui.refreshCatalogue);
  }
  refreshControls();
}
function renderCatalogue(products) {
  const previous = document.querySelector('.catalogue input[name="product"]:checked')?.value;
  const items = products.map((product, index) => {
    const item = document.createElement("li");
    const radio = document.createElement("input");
    radio.type = "radio";
    radio.name = "product";
    radio.id = `product-${index}`;
    radio.value = product.externalId;
    radio.checked = product.externalId === previous;
    const label = document.createElement("label");
    label.htmlFor = radio.id;
    const image = product.images[0]?.sourceUrl;
    if (image) {
      const thumbnail = document.createElement("img");
      thumbnail.src = image;
      thumbnail.alt = "";
      thumbnail.loading = "lazy";
      label.append(thumbnail);
    }
    label.append(product.title || product.externalId);
    item.append(radio, label);
    return item;
  });
  ui.catalogue.replaceChildren(...items);
  if (products.length === 0) {
    ui.addSampleProducts.hidden = !state.development;
    show(ui.catalogueStatus, state.development ? "The catalogue is empty." : "The catalogue is empty: paste a product image URL instead.");
    ui.productUrlChoice.checked = true;
  } else {
    show(ui.catalogueStatus, `${products.length} product${products.length === 1 ? "" : "s"} in the catalogue.`);
  }
}
ui.refreshCatalogue.addEventListener("click", () => void loadCatalogue());
ui.addSampleProducts.addEventListener("click", async () => {
  show(ui.productMessage, "");
  show(ui.catalogueStatus, "Adding the sample products…");
  state.addingSamples = true;
  refreshControls();
  try {
    const adminToken = await developmentToken(baseUrl, catalogAdmin.sub, catalogAdmin.scope);
    const admin = createGatewayClient({ baseUrl, getToken: () => adminToken });
    for (const product of sampleProducts) {
      await call("add-products", () => admin.POST("/tryon/v1/products", { body: sampleProductBody(product, baseUrl) }));
    }
    state.addingSamples = false;
    await loadCatalogue();
  } catch (error) {
    show(ui.catalogueStatus, "");
    if (error instanceof ApiProblem && error.status === 401) {
      show(ui.productMessage, error.message);
    } else {
      report(error, ui.productMessage, ui.addSampleProducts);
    }
  } finally {
    state.addingSamples = false;
    refreshControls();
  }
});
ui.productChoice.addEventListener("change", refreshControls);
ui.productUrl.addEventListener("input", () => {
  ui.productUrlChoice.checked = true;
  refreshControls();
});
ui.tryOnButton.addEventListener("click", async () => {
  const product = selectedProduct();
  if (!state.imageId || !product) {
    return;
  }
  const body = {
    products: ["externalId" in product ? { externalId: product.externalId } : { images: [{ source: { url: product.url } }] }],
    person: { image: { source: { id: state.imageId } } }
  };
  show(ui.tryOnMessage, "");
  show(ui.tryOnStatus, "Starting your try-on…");
  ui.progressArea.hidden = true;
  state.starting = true;
  refreshControls();
  try {
    const started = await call(
      "try-on",
      () => client.POST("/tryon/v1/try-on", { body, params: { header: { "Idempotency-Key": idempotencyKey() } } })
    );
    history.replaceState(null, "", `#generation=${encodeURIComponent(started.generationId)}`);
    void follow(started.generationId, true);
  } catch (error) {
    show(ui.tryOnStatus, "");
    report(error, ui.tryOnMessage, ui.tryOnButton);
  } finally {
    state.starting = false;
    refreshControls();
  }
});
var statusText = {
  PENDING: "Waiting for a free slot… (PENDING)",
  PROCESSING: "Creating your try-on… (PROCESSING)",
  COMPLETED: "Your try-on is ready.",
  FAILED: "The try-on failed."
};
var progressValue = { PENDING: 1, PROCESSING: 2, COMPLETED: 3, FAILED: 3 };
async function follow(id, withPhoto) {
  state.watch?.abort();
  const watch = new AbortController();
  state.watch = watch;
  ui.generationId.value = id;
  ui.progressArea.hidden = false;
  ui.progress.removeAttribute("value");
  ui.watchMode.textContent = "";
  ui.watchMode.dataset.mode = "";
  ui.photoFigure.hidden = !withPhoto || !state.photoUrl;
  ui.resultFigure.hidden = true;
  ui.comparison.hidden = ui.photoFigure.hidden;
  show(ui.tryOnMessage, "");
  show(ui.tryOnStatus, "Checking your try-on…");
  refreshControls();
  try {
    const final = await followGeneration({ client, baseUrl, getToken }, id, {
      onStatus: (generation) => {
        ui.progress.value = progressValue[generation.status];
        show(ui.tryOnStatus, statusText[generation.status]);
      },
      onMode: (mode) => {
        ui.watchMode.dataset.mode = mode;
        ui.watchMode.textContent = mode === "live" ? "Following live updates." : "Checking for updates every second.";
      },
      onWaiting: (seconds) => show(ui.tryOnStatus, `Busy: checking again in ${seconds} s.`)
    }, watch.signal);
    if (isDone(final) && final.status === "COMPLETED" && final.resultImageUrl) {
      ui.resultImage.src = final.resultImageUrl;
      ui.resultFigure.hidden = false;
      ui.comparison.hidden = false;
    } else {
      show(ui.tryOnMessage, `The try-on failed: ${final.errorMessage ?? "no reason given"}${final.errorCode ? ` (${final.errorCode})` : ""}.`);
    }
  } catch (error) {
    if (watch.signal.aborted) {
      return;
    }
    ui.progressArea.hidden = true;
    show(ui.tryOnStatus, "");
    report(error, ui.tryOnMessage);
  } finally {
    if (state.watch === watch) {
      state.watch = void 0;
      refreshControls();
    }
  }
}
ui.resultImage.addEventListener("error", () => {
  if (!ui.resultFigure.hidden) {
    ui.resultFigure.hidden = true;
    show(ui.tryOnMessage, "The result image could not be loaded (its link may have expired). Open the try-on again.");
  }
});
ui.openForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const id = ui.generationId.value.trim();
  if (id && state.token) {
    history.replaceState(null, "", `#generation=${encodeURIComponent(id)}`);
    void follow(id, false);
  }
});
function openFromLink() {
  const id = new URLSearchParams(location.hash.slice(1)).get("generation");
  if (id && state.token) {
    void follow(id, false);
  }
}
window.addEventListener("hashchange", openFromLink);
function idempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
refreshControls();
