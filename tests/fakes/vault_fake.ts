/**
 * A small fake of HashiCorp Vault, enough for credential sync (contract §10): AppRole login
 * (`PUT|POST /v1/auth/approle/login`), token self-lookup (`GET|POST /v1/auth/token/lookup-self`)
 * and self-renewal (`PUT|POST /v1/auth/token/renew-self`), and KV v2 reads
 * (`GET /v1/<mount>/data/<path>`). Answers follow Vault's shapes: `{"errors": [...]}` bodies,
 * 403 `permission denied` for a missing, expired or revoked token, 404 `{"errors": []}` for a
 * missing secret, 404 "no handler for route" for an unknown mount.
 *
 * Tokens expire on the real clock (`Date.now`), so fake time drives their TTL. Knobs: token TTLs,
 * renewability, a maximum TTL, failing renewals, revocation; every request is logged (without
 * token values).
 *
 * ```ts
 * const vault = new VaultFake({ roleId: "role", secretId: "secret" });
 * vault.setSecret("consumers/acme", { credentials: [...] });
 * const agentFetch = (input, init) => vault.fetch(new Request(input, init));
 * ```
 *
 * @module
 */

/** Options of {@linkcode VaultFake}. */
export interface VaultFakeOptions {
  /** AppRole role id accepted by login. */
  readonly roleId?: string;
  /** AppRole secret id accepted by login. */
  readonly secretId?: string;
  /** KV v2 mount (default `stoa`). */
  readonly mount?: string;
  /** TTL of tokens issued by login, in seconds (default 3600). */
  readonly loginTtlSeconds?: number;
  /** Whether tokens issued by login can be renewed (default true). */
  readonly renewable?: boolean;
  /** Maximum lifetime of tokens issued by login, in seconds (0 = none, the default). */
  readonly maxTtlSeconds?: number;
}

/** Options of a token added by a test. */
export interface TokenOptions {
  /** Seconds to live; 0 means the token never expires (like a root token). */
  readonly ttlSeconds: number;
  /** Whether renew-self works (default true). */
  readonly renewable?: boolean;
  /** Maximum lifetime in seconds (0 = none). */
  readonly maxTtlSeconds?: number;
}

/** One request the fake answered. */
export interface VaultRequest {
  readonly method: string;
  readonly path: string;
  /** Whether an `X-Vault-Token` header was sent (its value is never kept). */
  readonly withToken: boolean;
  readonly status: number;
}

interface TokenRecord {
  readonly accessor: string;
  /** Seconds granted at creation and by each renewal. */
  readonly period: number;
  expiresAt: number;
  readonly maxExpiresAt: number;
  readonly renewable: boolean;
  readonly issuedAt: number;
  revoked: boolean;
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });
}

function errors(status: number, ...messages: string[]): Response {
  return json(status, { errors: messages });
}

const ENVELOPE = {
  lease_id: "",
  renewable: false,
  lease_duration: 0,
  wrap_info: null,
  warnings: null,
  auth: null,
};

/** The fake Vault server. */
export class VaultFake {
  /** Every answered request, oldest first. */
  readonly requests: VaultRequest[] = [];
  readonly #options: VaultFakeOptions;
  readonly #tokens = new Map<string, TokenRecord>();
  readonly #secrets = new Map<string, { data: Record<string, unknown>; version: number }>();
  #renewalFailures = 0;
  #renewalFailureStatus = 500;
  #server: Deno.HttpServer<Deno.NetAddr> | undefined;

  /** A Vault with no token and no secret. */
  constructor(options: VaultFakeOptions = {}) {
    this.#options = options;
  }

  /** KV v2 mount served. */
  get mount(): string {
    return this.#options.mount ?? "stoa";
  }

  /** Adds a token (as an operator would hand out a `VAULT_TOKEN`). */
  addToken(token: string, options: TokenOptions): void {
    this.#tokens.set(token, this.#record(options));
  }

  /** Revokes a token: every later use answers 403. */
  revoke(token: string): void {
    const record = this.#tokens.get(token);
    if (record) record.revoked = true;
  }

  /** Revokes every token issued so far (an operator rotating credentials). */
  revokeAll(): void {
    for (const record of this.#tokens.values()) record.revoked = true;
  }

  /** Seconds the token has left (0 for a token that never expires), `undefined` if unknown. */
  ttlOf(token: string): number | undefined {
    const record = this.#tokens.get(token);
    return record ? this.#ttl(record) : undefined;
  }

  /** Tokens issued by AppRole logins so far. */
  get logins(): number {
    return this.requests.filter((r) => r.path === "/v1/auth/approle/login" && r.status === 200)
      .length;
  }

  /** Makes the next `count` renewals fail with `status` (default 500). */
  failRenewals(count: number, status = 500): void {
    this.#renewalFailures = count;
    this.#renewalFailureStatus = status;
  }

  /** Stores (or replaces, with a new version) the secret at `path` below the mount. */
  setSecret(path: string, data: Record<string, unknown>): void {
    const version = (this.#secrets.get(path)?.version ?? 0) + 1;
    this.#secrets.set(path, { data: structuredClone(data), version });
  }

  /** Deletes the secret at `path`. */
  deleteSecret(path: string): void {
    this.#secrets.delete(path);
  }

  /** Requests whose path contains `text`. */
  requestsTo(text: string): VaultRequest[] {
    return this.requests.filter((r) => r.path.includes(text));
  }

  /** Starts listening on 127.0.0.1; resolves with the base URL. */
  start(): Promise<string> {
    return new Promise((resolve) => {
      this.#server = Deno.serve({
        hostname: "127.0.0.1",
        port: 0,
        onListen: (address) => resolve(`http://${address.hostname}:${address.port}`),
      }, (request) => this.fetch(request));
    });
  }

  /** Stops listening. */
  async stop(): Promise<void> {
    await this.#server?.shutdown();
    this.#server = undefined;
  }

  /** Answers one request without a socket. */
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const method = request.method.toUpperCase();
    const text = request.body ? await request.text() : "";
    const response = this.#route(method, url.pathname, request.headers, text);
    this.requests.push({
      method,
      path: url.pathname,
      withToken: request.headers.has("x-vault-token"),
      status: response.status,
    });
    return response;
  }

  #route(method: string, path: string, headers: Headers, text: string): Response {
    const write = method === "PUT" || method === "POST";
    if (path === "/v1/auth/approle/login") {
      return write ? this.#login(text) : errors(405, "unsupported operation");
    }
    if (path === "/v1/auth/token/lookup-self") {
      return method === "GET" || write
        ? this.#lookupSelf(headers)
        : errors(405, "unsupported operation");
    }
    if (path === "/v1/auth/token/renew-self") {
      return write ? this.#renewSelf(headers) : errors(405, "unsupported operation");
    }
    const prefix = `/v1/${this.mount}/data/`;
    if (path.startsWith(prefix)) {
      if (method !== "GET") return errors(405, "unsupported operation");
      return this.#read(headers, decodeURIComponent(path.slice(prefix.length)));
    }
    const route = path.replace(/^\/v1\//, "");
    if (this.#token(headers) === undefined) return errors(403, "permission denied");
    return errors(404, `no handler for route "${route}". route entry not found.`);
  }

  #login(text: string): Response {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text || "{}");
    } catch {
      return errors(400, "failed to parse JSON input");
    }
    if (typeof body.role_id !== "string" || body.role_id === "") {
      return errors(400, "missing role_id");
    }
    if (
      body.role_id !== this.#options.roleId || body.secret_id !== this.#options.secretId ||
      this.#options.roleId === undefined
    ) {
      return errors(400, "invalid role or secret ID");
    }
    const token = `hvs.${crypto.randomUUID().replaceAll("-", "")}`;
    const record = this.#record({
      ttlSeconds: this.#options.loginTtlSeconds ?? 3600,
      renewable: this.#options.renewable ?? true,
      maxTtlSeconds: this.#options.maxTtlSeconds ?? 0,
    });
    this.#tokens.set(token, record);
    return json(200, {
      ...ENVELOPE,
      request_id: crypto.randomUUID(),
      auth: this.#auth(token, record, record.period, { role_name: "stoa-connect" }),
    });
  }

  #lookupSelf(headers: Headers): Response {
    const found = this.#token(headers);
    if (!found) return errors(403, "permission denied");
    const [, record] = found;
    const now = Date.now();
    return json(200, {
      ...ENVELOPE,
      request_id: crypto.randomUUID(),
      data: {
        accessor: record.accessor,
        creation_time: Math.floor(record.issuedAt / 1000),
        creation_ttl: record.period,
        display_name: "approle",
        entity_id: "",
        expire_time: record.expiresAt === 0 ? null : new Date(record.expiresAt).toISOString(),
        explicit_max_ttl: 0,
        id: "[token]",
        issue_time: new Date(record.issuedAt).toISOString(),
        meta: null,
        num_uses: 0,
        orphan: true,
        path: "auth/approle/login",
        policies: ["default", "stoa-connect"],
        renewable: record.renewable,
        ttl: this.#ttl(record, now),
        type: "service",
      },
    });
  }

  #renewSelf(headers: Headers): Response {
    const found = this.#token(headers);
    if (!found) return errors(403, "permission denied");
    const [token, record] = found;
    if (this.#renewalFailures > 0) {
      this.#renewalFailures--;
      return errors(this.#renewalFailureStatus, "internal error");
    }
    if (!record.renewable || record.expiresAt === 0) return errors(400, "lease is not renewable");
    const now = Date.now();
    let expiresAt = now + record.period * 1000;
    const warnings: string[] = [];
    if (record.maxExpiresAt > 0 && expiresAt > record.maxExpiresAt) {
      expiresAt = record.maxExpiresAt;
      warnings.push("TTL of the token was capped by its maximum TTL");
    }
    record.expiresAt = expiresAt;
    return json(200, {
      ...ENVELOPE,
      request_id: crypto.randomUUID(),
      warnings: warnings.length ? warnings : null,
      auth: this.#auth(token, record, Math.round((expiresAt - now) / 1000), null),
    });
  }

  #read(headers: Headers, path: string): Response {
    if (!this.#token(headers)) return errors(403, "permission denied");
    const secret = this.#secrets.get(path);
    if (!secret) return errors(404);
    return json(200, {
      ...ENVELOPE,
      request_id: crypto.randomUUID(),
      data: {
        data: structuredClone(secret.data),
        metadata: {
          created_time: new Date().toISOString(),
          custom_metadata: null,
          deletion_time: "",
          destroyed: false,
          version: secret.version,
        },
      },
    });
  }

  /** The valid token of the request, if any. */
  #token(headers: Headers): [string, TokenRecord] | undefined {
    const token = headers.get("x-vault-token");
    if (!token) return undefined;
    const record = this.#tokens.get(token);
    if (!record || record.revoked) return undefined;
    if (record.expiresAt !== 0 && record.expiresAt <= Date.now()) return undefined;
    return [token, record];
  }

  #record(options: TokenOptions): TokenRecord {
    const now = Date.now();
    return {
      accessor: crypto.randomUUID(),
      period: options.ttlSeconds,
      expiresAt: options.ttlSeconds === 0 ? 0 : now + options.ttlSeconds * 1000,
      maxExpiresAt: options.maxTtlSeconds ? now + options.maxTtlSeconds * 1000 : 0,
      renewable: options.renewable ?? true,
      issuedAt: now,
      revoked: false,
    };
  }

  #ttl(record: TokenRecord, now = Date.now()): number {
    if (record.expiresAt === 0) return 0;
    return Math.max(0, Math.floor((record.expiresAt - now) / 1000));
  }

  /** The `auth` block Vault answers with: `lease` is the TTL just granted, in seconds. */
  #auth(
    token: string,
    record: TokenRecord,
    lease: number,
    metadata: Record<string, string> | null,
  ) {
    return {
      client_token: token,
      accessor: record.accessor,
      policies: ["default", "stoa-connect"],
      token_policies: ["default", "stoa-connect"],
      metadata,
      lease_duration: lease,
      renewable: record.renewable,
      entity_id: "",
      token_type: "service",
      orphan: true,
      mfa_requirement: null,
      num_uses: 0,
    };
  }
}
