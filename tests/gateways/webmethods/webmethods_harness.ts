/**
 * Shared setup of the webMethods adapter tests: an emulator, an adapter talking to it through a
 * fetch that records every exchange (so tests can check each request and answer against the
 * Swagger contract), builders of desired state, and a one-call sync.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  createWebMethodsAdapter,
  type WebMethodsAdapter,
  type WebMethodsAdapterOptions,
} from "../../../src/gateways/webmethods/webmethods_adapter.ts";
import type { SyncOptions } from "../../../src/gateways/adapter.ts";
import type { DesiredCredential, DesiredPolicy, DesiredRoute } from "../../../src/sync/desired.ts";
import type { ItemResult, Plan } from "../../../src/sync/plan.ts";
import {
  WebMethodsEmulator,
  type WebMethodsEmulatorOptions,
} from "../../fakes/webmethods_emulator.ts";
import type { WebMethodsContract } from "../../fakes/webmethods_emulator_specs.ts";

/** Admin URL the adapter is given (the fetch goes to the emulator whatever the host). */
export const ADMIN_URL = "http://wm.test:5555";

/** One request and its answer. */
export interface Exchange {
  /** HTTP method. */
  readonly method: string;
  /** Path as sent, e.g. `/rest/apigateway/apis`. */
  readonly path: string;
  /** Parsed JSON request body, when there was one. */
  readonly requestBody: unknown;
  /** Status answered. */
  readonly status: number;
  /** Parsed answer body (raw text when not JSON). */
  readonly responseBody: unknown;
}

/** An emulator, an adapter bound to it, and the exchanges between them. */
export interface Gateway {
  /** The emulator. */
  readonly wm: WebMethodsEmulator;
  /** The adapter under test. */
  readonly adapter: WebMethodsAdapter;
  /** Every exchange between them, oldest first. */
  readonly exchanges: Exchange[];
  /** Writes (non-GET requests) since the last call of `writesSince()`. */
  writesSince(): string[];
}

/** Creates an emulator and an adapter that reaches it through a recording fetch. */
export function gateway(
  options: WebMethodsEmulatorOptions & { readonly adapter?: Partial<WebMethodsAdapterOptions> } =
    {},
): Gateway {
  const wm = new WebMethodsEmulator(options);
  const exchanges: Exchange[] = [];
  const recording: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const text = request.method === "GET" ? "" : await request.clone().text();
    const response = await wm.fetch(request);
    const answer = await response.clone().text();
    exchanges.push({
      method: request.method,
      path: new URL(request.url).pathname,
      requestBody: text === "" ? undefined : JSON.parse(text),
      status: response.status,
      responseBody: parse(answer),
    });
    return response;
  };
  const adapter = createWebMethodsAdapter({
    adminUrl: ADMIN_URL,
    user: options.user ?? "Administrator",
    password: options.password ?? "manage",
    fetch: recording,
    ...options.adapter,
  });
  let seen = 0;
  return {
    wm,
    adapter,
    exchanges,
    writesSince() {
      const writes = exchanges.slice(seen).filter((exchange) => exchange.method !== "GET")
        .map((exchange) => `${exchange.method} ${exchange.path.replace("/rest/apigateway", "")}`);
      seen = exchanges.length;
      return writes;
    },
  };
}

function parse(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Every exchange's request and answer match the contract (documented call, schemas). */
export function assertExchangesMatch(
  exchanges: readonly Exchange[],
  contract: WebMethodsContract,
): void {
  assert.ok(exchanges.length > 0, "nothing was exchanged");
  for (const exchange of exchanges) {
    if (exchange.requestBody !== undefined) {
      contract.assertRequest(exchange.method, exchange.path, exchange.requestBody);
    }
    contract.assertResponse(exchange.method, exchange.path, exchange.status, exchange.responseBody);
  }
}

/** A deployed route (overrides win). */
export function route(overrides: Partial<DesiredRoute> = {}): DesiredRoute {
  const name = overrides.name ?? "orders";
  return {
    id: `dep-${name}`,
    name,
    apiId: `api-${name}`,
    catalogId: "catalog-1",
    pathPrefix: `/apis/${name}`,
    backendUrl: `http://${name}.internal:8080`,
    methods: ["GET", "POST"],
    activated: true,
    generation: 1,
    specHash: "",
    openapiSpec: null,
    ...overrides,
  };
}

/** An OpenAPI 3.0 document with `paths`. */
export function openApiSpec(
  title: string,
  paths: Record<string, unknown> = {
    "/orders": { get: { responses: { "200": { description: "ok" } } } },
  },
  version = "3.0.3",
): Record<string, unknown> {
  return {
    openapi: version,
    info: { title, version: "2.1.0" },
    servers: [{ url: "http://spec-backend.internal" }],
    paths,
  };
}

/** A desired policy (overrides win). */
export function policy(overrides: Partial<DesiredPolicy> = {}): DesiredPolicy {
  return {
    id: "pol-rate",
    name: "rate",
    type: "rate_limit",
    config: { maxRequests: 100, intervalSeconds: 60 },
    priority: 100,
    enabled: true,
    targets: [],
    ...overrides,
  };
}

/** A consumer credential (overrides win). */
export function credential(overrides: Partial<DesiredCredential> = {}): DesiredCredential {
  return {
    consumerId: "partner-1",
    apiName: "orders",
    authType: "basic-auth",
    key: "partner-user",
    secret: "partner-password-9f2",
    ...overrides,
  };
}

/** Plans and applies one kind of item; returns both. */
export async function sync(
  adapter: WebMethodsAdapter,
  kind: "policy",
  desired: readonly DesiredPolicy[],
  options?: SyncOptions,
): Promise<{ plan: Plan; results: ItemResult[] }>;
export async function sync(
  adapter: WebMethodsAdapter,
  kind: "route",
  desired: readonly DesiredRoute[],
  options?: SyncOptions,
): Promise<{ plan: Plan; results: ItemResult[] }>;
export async function sync(
  adapter: WebMethodsAdapter,
  kind: "credential",
  desired: readonly DesiredCredential[],
  options?: SyncOptions,
): Promise<{ plan: Plan; results: ItemResult[] }>;
export async function sync(
  adapter: WebMethodsAdapter,
  kind: "policy" | "route" | "credential",
  desired: readonly unknown[],
  options?: SyncOptions,
): Promise<{ plan: Plan; results: ItemResult[] }> {
  const plan = kind === "policy"
    ? await adapter.planPolicies(desired as DesiredPolicy[], options)
    : kind === "route"
    ? await adapter.planRoutes(desired as DesiredRoute[], options)
    : await adapter.planCredentials(desired as DesiredCredential[], options);
  return { plan, results: await adapter.apply(plan, options) };
}

/** `id status` (and the error) of each result, for compact assertions. */
export function outcomes(results: readonly ItemResult[]): string[] {
  return results.map((result) =>
    `${result.id} ${result.status}${result.error ? `: ${result.error}` : ""}`
  );
}

/** Actions of each plan item as `id target action`. */
export function actions(plan: Plan): string[] {
  return plan.items.map((item) =>
    `${item.id} ${item.target ?? ""} ${item.error ? `error: ${item.error}` : item.action}`
  );
}
