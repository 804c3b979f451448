/** The largest request body any HTTP route reads (413 PAYLOAD_TOO_LARGE past it). */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Node's request timeout (HTTP_REQUEST_TIMEOUT_MS) for both listeners, PORT and INTERNAL_PORT: a
 * request whose head and body have not fully arrived by then is answered 408 and its connection
 * closed. Node checks pending requests every `connectionsCheckingInterval`, so the bound holds to
 * within that; the check walks only connections with a request in progress (not WebSockets).
 */
export function httpServerOptions(requestTimeoutMs: number): {
  requestTimeout: number;
  headersTimeout: number;
  connectionsCheckingInterval: number;
} {
  return {
    requestTimeout: requestTimeoutMs,
    headersTimeout: Math.min(requestTimeoutMs, 60_000),
    connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(requestTimeoutMs / 4))),
  };
}
