/**
 * Builders for the Kong sync tests: desired policies, routes and credentials with sensible
 * defaults, and an adapter bound to an emulator.
 *
 * @module
 */

import { createKongAdapter, type KongAdapter } from "../../../src/gateways/kong/kong_adapter.ts";
import type { DesiredCredential, DesiredPolicy, DesiredRoute } from "../../../src/sync/desired.ts";
import type { ItemResult, Plan, PlanItem } from "../../../src/sync/plan.ts";
import { KongEmulator } from "../../fakes/kong_emulator.ts";

/** An emulated Kong with a database, holding the small realistic gateway of the seed. */
export function seededKong(): KongEmulator {
  const kong = new KongEmulator();
  kong.realisticSeed();
  return kong;
}

/** A desired policy (enabled, gateway-wide, priority 100 unless given). */
export function policy(
  fields: Partial<DesiredPolicy> & Pick<DesiredPolicy, "id" | "type">,
): DesiredPolicy {
  return {
    name: `policy-${fields.id}`,
    config: {},
    priority: 100,
    enabled: true,
    targets: [],
    ...fields,
  };
}

/** A desired deployment (activated, GET and POST, generation 1 unless given). */
export function route(
  fields: Partial<DesiredRoute> & Pick<DesiredRoute, "id" | "name">,
): DesiredRoute {
  return {
    apiId: fields.name,
    catalogId: `catalog-${fields.name}`,
    pathPrefix: `/apis/${fields.name}`,
    backendUrl: `http://${fields.name}.internal:8080/api`,
    methods: ["GET", "POST"],
    activated: true,
    generation: 1,
    specHash: "",
    openapiSpec: null,
    ...fields,
  };
}

/** A desired credential. */
export function credential(
  fields: Partial<DesiredCredential> & Pick<DesiredCredential, "consumerId" | "key">,
): DesiredCredential {
  return { apiName: "orders-api", authType: "key-auth", ...fields };
}

/** An adapter talking to the emulator without a socket (or through `fetch`, e.g. a recorder). */
export function adapterFor(
  kong: KongEmulator,
  options: { readonly fetch?: typeof fetch; readonly workspace?: string } = {},
): KongAdapter {
  return createKongAdapter({
    adminUrl: "http://kong.test:8001",
    fetch: options.fetch ?? kong.fetch,
    workspace: options.workspace,
  });
}

/** Plan items as `[id, action, target]`, for compact assertions. */
export function actions(plan: Plan): [string, string, string | undefined][] {
  return plan.items.map((item: PlanItem) => [item.id, item.action, item.target]);
}

/** Results as `[id, status]` (with the error when failed). */
export function statuses(results: readonly ItemResult[]): string[][] {
  return results.map((result) =>
    result.error === undefined
      ? [result.id, result.status]
      : [result.id, result.status, result.error]
  );
}

/** Writes (non-GET requests) the emulator receives while `run` runs. */
export async function writesDuring(
  kong: KongEmulator,
  run: () => Promise<unknown>,
): Promise<number> {
  const before = kong.writes;
  await run();
  return kong.writes - before;
}
