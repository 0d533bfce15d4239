/**
 * HTTP plumbing shared by the gateway emulators (`kong_emulator.ts`, `gravitee_emulator.ts`,
 * `webmethods_emulator.ts`): listening on `127.0.0.1` with `Deno.serve`, recording every request,
 * counting calls and writes, the abort-aware latency delay and the queue of injected failures.
 * Each emulator extends {@linkcode GatewayEmulator} and brings its own routes, authentication and
 * error bodies.
 *
 * @example
 * ```ts
 * class EchoEmulator extends GatewayEmulator {
 *   constructor() {
 *     super({ name: "EchoEmulator", onAbort: "reject" });
 *   }
 *   protected defaultFailureBody(): unknown {
 *     return { message: "boom" };
 *   }
 *  *   protected answer({ recorded }: ReceivedRequest): Response {
 *     return Response.json({ path: recorded.path });
 *   }
 * }
 * await using echo = new EchoEmulator();
 * const url = await echo.start();
 * ```
 *
 * @module
 */

/** One request as an emulator received it. */
export interface RecordedRequest {
  /** HTTP method. */
  readonly method: string;
  /** Path as sent (still percent-encoded). */
  readonly path: string;
  /** Query parameters (last value wins). */
  readonly query: Readonly<Record<string, string>>;
  /** Headers, names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  /** Parsed JSON body, raw text when not JSON, `undefined` when empty. */
  readonly body: unknown;
}

/** Options of an emulator's `failNext`. */
export interface FailOptions {
  /** Only requests for which this returns true fail (and count); default: every request. */
  readonly when?: (request: RecordedRequest) => boolean;
}

/** The answer an injected failure gives, before the emulator renders it. */
export interface InjectedFailure {
  /** HTTP status. */
  readonly status: number;
  /** Body, serialised by the emulator's `renderFailure`. */
  readonly body: unknown;
}

/** A request that was recorded, delayed and not failed, handed to the emulator's routes. */
export interface ReceivedRequest {
  /** The request (its body already read into `text`). */
  readonly request: Request;
  /** Its parsed URL. */
  readonly url: URL;
  /** Its body as text (empty for GET and HEAD). */
  readonly text: string;
  /** What was appended to the request log. */
  readonly recorded: RecordedRequest;
}

/** Options of {@linkcode GatewayEmulator}'s constructor. */
export interface GatewayEmulatorOptions {
  /** Class name of the emulator, used in the error of `url` before `start()`. */
  readonly name: string;
  /** Initial delay before every answer, in milliseconds (default 0). */
  readonly latencyMs?: number;
  /**
   * What the delay does when the request is aborted: `reject` with the abort reason, or
   * `resolve` early and answer anyway.
   */
  readonly onAbort: "reject" | "resolve";
}

interface FailureRule extends InjectedFailure {
  remaining: number;
  readonly when?: (request: RecordedRequest) => boolean;
}

/**
 * Server, request log, counters, latency and failure injection of one emulator; subclasses
 * answer the requests.
 */
export abstract class GatewayEmulator {
  /** Delay before every answer, in milliseconds; may be changed at any time. */
  latencyMs: number;

  readonly #name: string;
  readonly #onAbort: "reject" | "resolve";
  #requests: RecordedRequest[] = [];
  #failures: FailureRule[] = [];
  #calls = 0;
  #writes = 0;
  #server: Deno.HttpServer<Deno.NetAddr> | undefined;
  #url: string | undefined;

  /** Sets up the plumbing; nothing listens before {@linkcode start}. */
  constructor(options: GatewayEmulatorOptions) {
    this.#name = options.name;
    this.#onAbort = options.onAbort;
    this.latencyMs = options.latencyMs ?? 0;
  }

  /** Base URL once started (`http://127.0.0.1:<port>`); throws before {@linkcode start}. */
  get url(): string {
    if (!this.#url) throw new Error(`${this.#name} is not started: call start() first`);
    return this.#url;
  }

  /** Every request received since the last {@linkcode reset}, oldest first. */
  get requests(): readonly RecordedRequest[] {
    return this.#requests;
  }

  /** Number of requests received (including failed and refused ones). */
  get calls(): number {
    return this.#calls;
  }

  /** Number of non-GET requests received. */
  get writes(): number {
    return this.#writes;
  }

  /** Starts listening on `127.0.0.1` (a free port unless `port` is given) and returns the URL. */
  start(options: { readonly port?: number } = {}): Promise<string> {
    if (this.#server) return Promise.resolve(this.url);
    this.#server = Deno.serve(
      { port: options.port ?? 0, hostname: "127.0.0.1", onListen() {} },
      (request) => this.fetch(request),
    );
    this.#url = `http://127.0.0.1:${this.#server.addr.port}`;
    return Promise.resolve(this.#url);
  }

  /** Stops listening; in-flight requests finish first. Safe to call twice. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    this.#url = undefined;
    if (server) await server.shutdown();
  }

  /** Stops the server: `await using emulator = new KongEmulator()`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /**
   * Makes the next `count` requests (matching `options.when`, if given) fail with `status` and
   * `body` (default: the product's 500 body), before any other processing.
   */
  failNext(count: number, status: number, body?: unknown, options: FailOptions = {}): void {
    if (!Number.isInteger(count) || count < 1) {
      throw new RangeError(`failNext count must be a positive integer, got ${count}`);
    }
    this.#failures.push({
      remaining: count,
      status,
      body: body ?? this.defaultFailureBody(status),
      when: options.when,
    });
  }

  /** Empties the request log, the counters and pending failures (subclasses also their data). */
  reset(): void {
    this.#requests = [];
    this.#failures = [];
    this.#calls = 0;
    this.#writes = 0;
  }

  /**
   * Answers one request without a socket; has the shape of the global `fetch`, so tests can pass
   * `emulator.fetch` wherever a fetch implementation is accepted. Records the request, waits the
   * latency, answers the first matching injected failure, or else calls {@linkcode answer}.
   */
  readonly fetch = async (input: Request | URL | string, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request && init === undefined
      ? input
      : new Request(input, init);
    const url = new URL(request.url);
    const text = request.method === "GET" || request.method === "HEAD" ? "" : await request.text();
    const recorded: RecordedRequest = {
      method: request.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: Object.fromEntries(
        [...request.headers].map(([name, value]) => [name.toLowerCase(), value]),
      ),
      body: parseRecordedBody(text),
    };
    this.#calls++;
    if (request.method !== "GET") this.#writes++;
    this.#requests.push(recorded);
    if (this.latencyMs > 0) {
      await abortableDelay(this.latencyMs, request.signal, { onAbort: this.#onAbort });
    }
    const failure = this.#failures.find((rule) => !rule.when || rule.when(recorded));
    if (failure) {
      failure.remaining--;
      if (failure.remaining <= 0) this.#failures.splice(this.#failures.indexOf(failure), 1);
      return this.renderFailure({ status: failure.status, body: failure.body });
    }
    return await this.answer({ request, url, text, recorded });
  };

  /** The body of an injected failure when `failNext` is given none. */
  protected abstract defaultFailureBody(status: number): unknown;

  /** Renders an injected failure: its body as JSON (`application/json`), unless overridden. */
  protected renderFailure(failure: InjectedFailure): Response {
    return new Response(JSON.stringify(failure.body), {
      status: failure.status,
      headers: { "content-type": "application/json" },
    });
  }

  /** Answers a request that no injected failure matched. */
  protected abstract answer(received: ReceivedRequest): Response | Promise<Response>;
}

/** Parses a body as JSON; answers the raw text when it is not JSON and `undefined` when empty. */
export function parseRecordedBody(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Waits `ms`, or less when `signal` aborts (so no timer outlives an aborted test): then rejects
 * with the abort reason, or resolves, as `onAbort` says.
 */
function abortableDelay(
  ms: number,
  signal: AbortSignal,
  options: { readonly onAbort: "reject" | "resolve" },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (): void => options.onAbort === "reject" ? reject(signal.reason) : resolve();
    // An already aborted signal never fires `abort`: `reject` fails at once, `resolve` waits.
    if (signal.aborted && options.onAbort === "reject") return settle();
    const onAbort = (): void => {
      clearTimeout(timer);
      settle();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
