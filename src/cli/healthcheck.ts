/**
 * `stoa-connect healthcheck`: asks the local agent whether it is alive (or ready), for container
 * HEALTHCHECKs and scripts that have no curl.
 *
 * @module
 */

/** Options for {@linkcode healthcheck}. */
export interface HealthcheckOptions {
  /** Agent base URL, e.g. `http://127.0.0.1:8090`. */
  readonly url: string;
  /** Check `/readyz` instead of `/livez`. */
  readonly ready: boolean;
  /** Timeout in ms (default 5 s). */
  readonly timeoutMs?: number;
}

/** Returns the exit code (0 healthy, 1 not) and a one-line explanation. */
export async function healthcheck(
  options: HealthcheckOptions,
): Promise<{ code: number; message: string }> {
  const path = options.ready ? "readyz" : "livez";
  const url = new URL(path, options.url.endsWith("/") ? options.url : `${options.url}/`);
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs ?? 5_000) });
    const body = await response.text();
    if (response.ok) return { code: 0, message: `${url}: ${response.status}` };
    return { code: 1, message: `${url}: ${response.status} ${body.slice(0, 300)}` };
  } catch (error) {
    return {
      code: 1,
      message: `${url}: no answer (${error instanceof Error ? error.message : String(error)})`,
    };
  }
}
