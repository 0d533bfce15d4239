/**
 * `stoactl`'s connection to a running agent's local server: where it is (`--url`, else
 * `http://127.0.0.1:<STOA_CONNECT_PORT or 8090>`), the bearer token for mutating endpoints, and
 * failures that say what to do instead of "fetch failed".
 *
 * @module
 */

import { displayUrl, joinUrl, normaliseBaseUrl, type Query } from "../http/url.ts";
import { failure, usageError } from "./cli_error.ts";
import type { CliEnvironment } from "./cli_environment.ts";
import { type OptionValues, stringOption } from "./command.ts";
import { classifyNetworkError } from "../http/network_error.ts";
import { goesThroughProxy, proxyRoute } from "./proxy_env.ts";

/** Timeout of reads (`/status`, `/health`). */
export const AGENT_READ_TIMEOUT_MS = 10_000;
/** Port of the agent when `STOA_CONNECT_PORT` is unset. */
const DEFAULT_PORT = "8090";

/** The `--url` option, shared by the commands that talk to an agent. */
export const URL_OPTION = {
  name: "url",
  type: "string",
  value: "URL",
  description: "agent address (default http://127.0.0.1:$STOA_CONNECT_PORT, port 8090)",
} as const;

/** The agent's base URL: `--url`, else loopback on `STOA_CONNECT_PORT`. Exit 2 when invalid. */
export function agentUrl(values: OptionValues, environment: CliEnvironment): URL {
  const given = stringOption(values, "url");
  if (given !== undefined) {
    const url = URL.canParse(given) ? new URL(given) : undefined;
    if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
      throw usageError(
        `--url "${given}" is not an http(s) URL\nExample: --url http://127.0.0.1:8090`,
      );
    }
    return normaliseBaseUrl(url);
  }
  const port = environment.values.STOA_CONNECT_PORT?.trim() || DEFAULT_PORT;
  if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
    throw usageError(
      `STOA_CONNECT_PORT "${port}" is not a port, so the agent's address is unknown\nPass --url, e.g. --url http://127.0.0.1:8090`,
    );
  }
  return new URL(`http://127.0.0.1:${port}/`);
}

/** One answer of the agent. */
export interface AgentAnswer {
  /** HTTP status. */
  readonly status: number;
  /** Parsed JSON body, or the text when it is not JSON. */
  readonly body: unknown;
  /** Whether the body parsed as JSON. */
  readonly isJson: boolean;
}

/** Options for {@linkcode AgentClient}. */
export interface AgentClientOptions {
  /** Agent base URL. */
  readonly url: URL;
  /** `STOA_CONNECT_TOKEN`, sent as `Authorization: Bearer` on mutating calls. */
  readonly token?: string;
  /** The process environment, to tell when a proxy stands between stoactl and the agent. */
  readonly env: Readonly<Record<string, string>>;
}

/** Options of one call. */
export interface AgentCallOptions {
  /** Query parameters. */
  readonly query?: Query;
  /** Timeout in ms (default {@linkcode AGENT_READ_TIMEOUT_MS}). */
  readonly timeoutMs?: number;
}

/** Calls a running agent. */
export class AgentClient {
  /** The agent's base URL. */
  readonly url: URL;
  readonly #token?: string;
  readonly #env: Readonly<Record<string, string>>;

  /** Creates the client; no call is made. */
  constructor(options: AgentClientOptions) {
    this.url = options.url;
    this.#token = options.token;
    this.#env = options.env;
  }

  /**
   * When a proxy variable sends calls to the agent through a proxy (Deno proxies loopback too),
   * the advice to bypass it; otherwise `undefined`.
   */
  proxyAdvice(): string | undefined {
    const route = proxyRoute(this.url, this.#env);
    if (!goesThroughProxy(route)) return undefined;
    return `${route.proxy?.variable} sends calls to the agent through a proxy: add ${this.url.hostname} to NO_PROXY.`;
  }

  /** Whether a token is sent on mutating calls. */
  get hasToken(): boolean {
    return this.#token !== undefined;
  }

  /** `GET <url>/<path>`. Throws a failure (exit 1) when the agent cannot be reached. */
  get(path: string, options: AgentCallOptions = {}): Promise<AgentAnswer> {
    return this.#call("GET", path, options);
  }

  /** `POST <url>/<path>` with the token, when there is one. */
  post(path: string, options: AgentCallOptions = {}): Promise<AgentAnswer> {
    return this.#call("POST", path, options);
  }

  /** The agent's version from `/health`, or `undefined` when it does not say. */
  async version(): Promise<string | undefined> {
    try {
      const answer = await this.get("health");
      const version = (answer.body as { version?: unknown } | null)?.version;
      return typeof version === "string" ? version : undefined;
    } catch {
      return undefined;
    }
  }

  async #call(method: string, path: string, options: AgentCallOptions): Promise<AgentAnswer> {
    const url = joinUrl(this.url, path, options.query);
    const headers: Record<string, string> = { accept: "application/json" };
    if (method !== "GET" && this.#token) headers.authorization = `Bearer ${this.#token}`;
    const timeoutMs = options.timeoutMs ?? AGENT_READ_TIMEOUT_MS;
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, { method, headers, signal: AbortSignal.timeout(timeoutMs) });
      text = await response.text();
    } catch (error) {
      const { kind, reason } = classifyNetworkError(error);
      const why = kind === "timeout" ? `no answer within ${timeoutMs / 1000} s` : reason;
      throw failure(
        `cannot reach the agent at ${displayUrl(this.url)}: ${why}\n` +
          (this.proxyAdvice() ??
            (kind === "timeout"
              ? "The agent may be busy; try again, or raise --timeout where the command has it."
              : "Is stoa-connect running there? Pass --url, or set STOA_CONNECT_PORT (default 8090).")),
        error,
      );
    }
    try {
      return { status: response.status, body: JSON.parse(text), isJson: true };
    } catch {
      return { status: response.status, body: text, isJson: false };
    }
  }
}

/** The second line when something that is not an agent answers at the agent's address. */
export function notAnAgentAdvice(client: AgentClient): string {
  return client.proxyAdvice() ??
    "Check --url: it must be the agent's local port (STOA_CONNECT_PORT, default 8090).";
}

/** A short, single-line rendering of an agent's error body. */
export function answerExcerpt(answer: AgentAnswer): string {
  const body = answer.body as { message?: unknown; error?: unknown } | null;
  if (answer.isJson && body && typeof body.message === "string") return body.message;
  const text = typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body);
  const line = (text ?? "").replace(/\s+/g, " ").trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line || "(empty body)";
}
