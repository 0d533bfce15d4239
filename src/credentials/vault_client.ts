/**
 * The Vault client of credential sync (contract §10): a static token (`VAULT_TOKEN`) or AppRole
 * (`VAULT_ROLE_ID` + `VAULT_SECRET_ID`), a token kept alive — looked up before every read, renewed
 * when less than five minutes are left, replaced by a fresh AppRole login when renewal fails or
 * Vault refuses it — and KV v2 reads. Every token it holds is registered for redaction.
 *
 * Unlike the Go agent (reference-agent P-12), the TTL is really read, so renewal really happens.
 *
 * @module
 */

import { AdminHttpClient, type AdminResponse, excerpt } from "../gateways/admin_http.ts";
import { segment } from "../http/url.ts";
import { log } from "../observability/logger.ts";
import { redact, registerSecret } from "../observability/redact.ts";

/** Renew the token when fewer seconds than this are left. */
export const RENEW_BELOW_SECONDS = 300;

/** A Vault call that failed. Its message is redacted and says what to check. */
export class VaultError extends Error {
  /** HTTP status, `undefined` for network errors and timeouts. */
  readonly status?: number;

  /** Builds the error. */
  constructor(message: string, options: { status?: number; cause?: unknown } = {}) {
    super(redact(message), { cause: options.cause });
    this.name = "VaultError";
    this.status = options.status;
  }
}

/** Options of {@linkcode VaultClient}. */
export interface VaultClientOptions {
  /** `VAULT_ADDR`. */
  readonly address: string | URL;
  /** `VAULT_TOKEN`: used as is (and renewed when renewable). */
  readonly token?: string;
  /** `VAULT_ROLE_ID`. */
  readonly roleId?: string;
  /** `VAULT_SECRET_ID`. */
  readonly secretId?: string;
  /** Renewal threshold in seconds (default {@linkcode RENEW_BELOW_SECONDS}). */
  readonly renewBelowSeconds?: number;
  /** Per-call timeout in ms (default 10 s). */
  readonly timeoutMs?: number;
  /** The fetch implementation, for tests. */
  readonly fetch?: typeof fetch;
}

/** What the client knows about its token, for `/status` (never the token itself). */
export interface VaultStatus {
  /** `token` (VAULT_TOKEN) or `approle`. */
  readonly auth_method: "token" | "approle";
  /** Seconds left at the last lookup; 0 means the token does not expire. */
  readonly token_ttl_seconds: number | null;
  /** When the token was last looked up (ISO 8601). */
  readonly last_lookup_at: string | null;
  /** When it was last renewed. */
  readonly last_renewal_at: string | null;
  /** When the client last logged in with AppRole. */
  readonly last_login_at: string | null;
  /** The last problem, cleared by the next success. */
  readonly last_error: string | null;
}

/** A token Vault answered about. */
interface TokenInfo {
  readonly ttl: number;
  readonly renewable: boolean;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? value as Record<string, unknown>
    : undefined;
}

/** The `errors` of a Vault error body, joined. */
function vaultErrors(response: AdminResponse): string {
  const errors = record(response.body)?.errors;
  if (Array.isArray(errors) && errors.length > 0) return errors.map(String).join("; ");
  return excerpt(response.body);
}

/** A connection to Vault for one agent. */
export class VaultClient {
  readonly #options: VaultClientOptions;
  readonly #address: URL;
  #token: string | undefined;
  #http: AdminHttpClient | undefined;
  #ttl: number | undefined;
  #lastLookupAt: string | undefined;
  #lastRenewalAt: string | undefined;
  #lastLoginAt: string | undefined;
  #lastError: string | undefined;

  /** A client; no call is made until the first {@linkcode VaultClient.ensureToken}. */
  constructor(options: VaultClientOptions) {
    if (!options.token && !(options.roleId && options.secretId)) {
      throw new VaultError(
        "Vault needs VAULT_TOKEN, or VAULT_ROLE_ID and VAULT_SECRET_ID; set one of them",
      );
    }
    this.#options = options;
    this.#address = new URL(options.address);
    this.#token = options.token || undefined;
    registerSecret(options.token);
    registerSecret(options.secretId);
  }

  /** `approle` when the client can log in by itself. */
  get authMethod(): "token" | "approle" {
    return this.#options.token ? "token" : "approle";
  }

  /** For `/status`. */
  get status(): VaultStatus {
    return {
      auth_method: this.authMethod,
      token_ttl_seconds: this.#ttl ?? null,
      last_lookup_at: this.#lastLookupAt ?? null,
      last_renewal_at: this.#lastRenewalAt ?? null,
      last_login_at: this.#lastLoginAt ?? null,
      last_error: this.#lastError ?? null,
    };
  }

  /**
   * Makes sure the token is usable for a while: logs in when there is none, looks it up, renews
   * it when fewer than `renewBelowSeconds` are left, and logs in again with AppRole when Vault
   * refuses the token or the renewal. Throws only when no usable token can be had.
   */
  async ensureToken(signal?: AbortSignal): Promise<void> {
    try {
      await this.#ensureToken(signal);
      this.#lastError = undefined;
    } catch (error) {
      this.#lastError = error instanceof Error ? error.message : String(error);
      throw error;
    }
  }

  async #ensureToken(signal?: AbortSignal): Promise<void> {
    let fresh = false;
    if (this.#token === undefined) {
      await this.login(signal);
      fresh = true;
    }
    let info: TokenInfo;
    try {
      info = await this.#lookupSelf(signal);
    } catch (error) {
      if (!this.#canLogin || !(error instanceof VaultError) || error.status !== 403) throw error;
      log("vault").warn("Vault refused the token ({error}); logging in again with AppRole", {
        error: error.message,
      });
      await this.login(signal);
      fresh = true;
      info = await this.#lookupSelf(signal);
    }
    const threshold = this.#options.renewBelowSeconds ?? RENEW_BELOW_SECONDS;
    // TTL 0 is a token that never expires (e.g. root): nothing to renew. A token just issued
    // is as fresh as Vault makes them, even when its role grants less than the threshold.
    if (fresh || info.ttl <= 0 || info.ttl >= threshold) return;
    try {
      if (!info.renewable) throw new VaultError("the token is not renewable");
      const ttl = await this.#renewSelf(signal);
      if (ttl < threshold) {
        throw new VaultError(`renewal left only ${ttl} s (the token reached its maximum TTL)`);
      }
    } catch (error) {
      if (signal?.aborted) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      if (!this.#canLogin) {
        log("vault").warn(
          "the Vault token expires in {ttl} s and could not be renewed ({error}); provide a new VAULT_TOKEN or use AppRole",
          { ttl: info.ttl, error: reason },
        );
        return;
      }
      log("vault").warn("token renewal failed ({error}); logging in again with AppRole", {
        error: reason,
      });
      await this.login(signal);
    }
  }

  /** Logs in with AppRole and keeps the new token. */
  async login(signal?: AbortSignal): Promise<void> {
    if (!this.#canLogin) {
      throw new VaultError("no Vault token: set VAULT_TOKEN, or VAULT_ROLE_ID and VAULT_SECRET_ID");
    }
    const response = await this.#send("POST", "v1/auth/approle/login", {
      body: { role_id: this.#options.roleId, secret_id: this.#options.secretId },
      signal,
      anonymous: true,
    });
    if (response.status !== 200) {
      throw new VaultError(
        `AppRole login refused (${response.status}): ${
          vaultErrors(response)
        }; check VAULT_ROLE_ID and VAULT_SECRET_ID`,
        { status: response.status },
      );
    }
    const auth = record(record(response.body)?.auth);
    const token = auth?.client_token;
    if (typeof token !== "string" || token === "") {
      throw new VaultError("AppRole login answered without a client token");
    }
    registerSecret(token);
    this.#use(token);
    this.#ttl = typeof auth?.lease_duration === "number" ? auth.lease_duration : undefined;
    this.#lastLoginAt = new Date().toISOString();
    log("vault").info("logged in to Vault with AppRole (token valid {ttl} s)", {
      ttl: this.#ttl ?? "unknown",
    });
  }

  /**
   * Reads a KV v2 secret's data: `null` when there is no such secret (404 or deleted version).
   * Logs in again and retries once when Vault refuses the token and AppRole is configured.
   */
  async readKv(
    mount: string,
    path: string,
    signal?: AbortSignal,
  ): Promise<Record<string, unknown> | null> {
    const location = `v1/${mount.split("/").map(segment).join("/")}/data/${
      path.split("/").map(segment).join("/")
    }`;
    let response = await this.#send("GET", location, { signal });
    if (response.status === 403 && this.#canLogin) {
      log("vault").warn("Vault refused the token for {path}; logging in again with AppRole", {
        path: `${mount}/data/${path}`,
      });
      await this.login(signal);
      response = await this.#send("GET", location, { signal });
    }
    if (response.status === 404) {
      // A missing secret answers `{"errors": []}`; a missing mount names the route it lacks.
      const errors = record(response.body)?.errors;
      if (Array.isArray(errors) && errors.length > 0) {
        throw new VaultError(
          `Vault has no KV v2 secret engine at ${mount} (${
            vaultErrors(response)
          }); check VAULT_KV_PATH`,
          { status: 404 },
        );
      }
      return null;
    }
    if (response.status !== 200) {
      throw new VaultError(
        `reading ${mount}/data/${path} failed (${response.status}): ${vaultErrors(response)}${
          response.status === 403 ? "; check the token's Vault policy allows reading it" : ""
        }`,
        { status: response.status },
      );
    }
    const data = record(record(response.body)?.data);
    if (!data) {
      throw new VaultError(`${mount}/data/${path} is not a KV v2 secret (no data.data object)`);
    }
    const inner = data.data;
    if (inner === null || inner === undefined) return null;
    const secret = record(inner);
    if (!secret) throw new VaultError(`${mount}/data/${path} holds data that is not an object`);
    return secret;
  }

  get #canLogin(): boolean {
    return Boolean(this.#options.roleId && this.#options.secretId);
  }

  async #lookupSelf(signal?: AbortSignal): Promise<TokenInfo> {
    const response = await this.#send("GET", "v1/auth/token/lookup-self", { signal });
    if (response.status !== 200) {
      throw new VaultError(
        `token lookup failed (${response.status}): ${vaultErrors(response)}${
          response.status === 403 ? "; the token is expired or revoked" : ""
        }`,
        { status: response.status },
      );
    }
    const data = record(record(response.body)?.data);
    const ttl = typeof data?.ttl === "number" ? data.ttl : Number(data?.ttl);
    this.#ttl = Number.isFinite(ttl) ? ttl : 0;
    this.#lastLookupAt = new Date().toISOString();
    return { ttl: this.#ttl, renewable: data?.renewable !== false };
  }

  async #renewSelf(signal?: AbortSignal): Promise<number> {
    const response = await this.#send("POST", "v1/auth/token/renew-self", { body: {}, signal });
    if (response.status !== 200) {
      throw new VaultError(`renewal refused (${response.status}): ${vaultErrors(response)}`, {
        status: response.status,
      });
    }
    const auth = record(record(response.body)?.auth);
    const ttl = typeof auth?.lease_duration === "number" ? auth.lease_duration : 0;
    this.#ttl = ttl;
    this.#lastRenewalAt = new Date().toISOString();
    log("vault").info("Vault token renewed (valid {ttl} s)", { ttl });
    return ttl;
  }

  #use(token: string): void {
    this.#token = token;
    this.#http = undefined;
  }

  async #send(
    method: string,
    path: string,
    options: { body?: unknown; signal?: AbortSignal; anonymous?: boolean },
  ): Promise<AdminResponse> {
    const http = options.anonymous ? this.#client(undefined) : this.#authorised();
    try {
      return await http.send(method, path, { body: options.body, signal: options.signal });
    } catch (error) {
      throw new VaultError(
        `cannot reach Vault: ${
          error instanceof Error ? error.message : String(error)
        }; check VAULT_ADDR`,
        { cause: error },
      );
    }
  }

  #authorised(): AdminHttpClient {
    this.#http ??= this.#client(this.#token);
    return this.#http;
  }

  #client(token: string | undefined): AdminHttpClient {
    return new AdminHttpClient({
      baseUrl: this.#address,
      headers: token ? { "X-Vault-Token": token } : {},
      timeoutMs: this.#options.timeoutMs,
      fetch: this.#options.fetch,
    });
  }
}
