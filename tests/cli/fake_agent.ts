/**
 * A stand-in for a stoa-connect agent's local server, for the parts of `stoactl` that the real
 * agent cannot be made to show on demand: every `POST /sync` answer of the sync contract (200,
 * 207, 502, 403, 404), agents without `/status`, and strangers on the port. Access to
 * `POST /sync` goes through the agent's own rule (src/server/access.ts); `remote: true` makes
 * every caller look like another machine.
 *
 * @module
 */

import { Hono } from "hono";
import { requireOperator } from "../../src/server/access.ts";

/** A canned answer. */
export interface CannedAnswer {
  /** HTTP status. */
  readonly status: number;
  /** JSON body (a string is sent as text). */
  readonly body: unknown;
}

function reply(answer: CannedAnswer): Response {
  return typeof answer.body === "string"
    ? new Response(answer.body, { status: answer.status })
    : Response.json(answer.body, { status: answer.status });
}

/** Options of {@linkcode FakeAgent}. */
export interface FakeAgentOptions {
  /** Version in `/health` (default `0.1.0`). */
  readonly version?: string;
  /** `STOA_CONNECT_TOKEN` of the fake agent. */
  readonly token?: string;
  /** Treat every caller as remote (not loopback), so only the token opens `POST /sync`. */
  readonly remote?: boolean;
  /** Answer of `POST /sync` by dry-run flag; absent: the route does not exist (404). */
  readonly sync?: (dryRun: boolean) => CannedAnswer;
  /** Answer of `GET /status`; absent: the route does not exist (404), like older agents. */
  readonly status?: CannedAnswer;
  /** Body of `GET /health` (default: a healthy agent's). */
  readonly health?: unknown;
  /** Delay before answering `POST /sync`, in ms. */
  readonly syncDelayMs?: number;
}

/** One request the fake received. */
export interface FakeAgentRequest {
  /** HTTP method. */
  readonly method: string;
  /** Path. */
  readonly path: string;
  /** Query parameters. */
  readonly query: Readonly<Record<string, string>>;
  /** The `Authorization` header, when sent. */
  readonly authorization?: string;
}

/** The fake agent server. */
export class FakeAgent {
  /** Requests received, oldest first. */
  readonly requests: FakeAgentRequest[] = [];
  readonly #app: Hono;
  #server: Deno.HttpServer<Deno.NetAddr> | undefined;

  /** Builds the app; {@linkcode FakeAgent.start} listens. */
  constructor(options: FakeAgentOptions = {}) {
    const app = new Hono();
    app.use("*", async (c, next) => {
      const url = new URL(c.req.url);
      this.requests.push({
        method: c.req.method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        authorization: c.req.header("authorization"),
      });
      await next();
    });
    app.get("/health", (c) =>
      c.json(
        options.health ??
          {
            status: "ok",
            version: options.version ?? "0.1.0",
            gateway_id: "unregistered",
            discovered_apis: 0,
          },
      ));
    const status = options.status;
    if (status) app.get("/status", () => reply(status));
    const sync = options.sync;
    if (sync) {
      const operator = requireOperator({
        token: options.token,
        remoteAddress: () => options.remote ? "203.0.113.7" : "127.0.0.1",
      });
      app.post("/sync", operator, async (c) => {
        if (options.syncDelayMs) await new Promise((r) => setTimeout(r, options.syncDelayMs));
        return reply(sync(c.req.query("dry_run") === "true"));
      });
    }
    // The agent's own 404 body.
    app.notFound((c) =>
      c.json({
        error: "not_found",
        message: `no route for ${c.req.method} ${new URL(c.req.url).pathname}`,
      }, 404)
    );
    this.#app = app;
  }

  /** Listens on a free loopback port; returns the base URL. */
  start(): string {
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      (request) => this.#app.fetch(request),
    );
    return `http://127.0.0.1:${this.#server.addr.port}`;
  }

  /** Stops listening. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server) await server.shutdown();
  }

  /** Stops the server: `await using agent = new FakeAgent()`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
