/**
 * The CP's global gzip middleware (contract §1.1): a response of at least 1000 bytes is compressed
 * when the client accepts gzip; the event stream never is. Agents must cope, so the double does it.
 *
 * @module
 */

/** Starlette's default `minimum_size`. */
export const GZIP_MINIMUM_SIZE = 1000;

/** Returns `response`, gzip-encoded when the request allows it and the body is large enough. */
export async function gzipResponse(
  request: Request,
  response: Response,
  minimumSize: number = GZIP_MINIMUM_SIZE,
): Promise<Response> {
  if (!/\bgzip\b/i.test(request.headers.get("accept-encoding") ?? "")) return response;
  if (!response.body || response.headers.has("content-encoding")) return response;
  if ((response.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
    return response;
  }
  const plain = new Uint8Array(await response.arrayBuffer());
  const headers = new Headers(response.headers);
  const init = { status: response.status, statusText: response.statusText, headers };
  if (plain.byteLength < minimumSize) return new Response(plain, init);
  const compressed = new Uint8Array(
    await new Response(
      new Blob([plain]).stream().pipeThrough(new CompressionStream("gzip")),
    ).arrayBuffer(),
  );
  headers.set("content-encoding", "gzip");
  headers.set("content-length", String(compressed.byteLength));
  headers.append("vary", "Accept-Encoding");
  return new Response(compressed, init);
}
