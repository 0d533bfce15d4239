/**
 * Test harness of the Gravitee adapter: an emulator that validates policy configurations with the
 * official schema-forms, behind a fetch that checks every request and answer against the
 * Management API v2 OpenAPI files, and an adapter bound to it. Builders for desired state.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  createGraviteeAdapter,
  type GraviteeAdapter,
  type GraviteeAdapterOptions,
} from "../../../src/gateways/gravitee/gravitee_adapter.ts";
import type { DesiredCredential, DesiredPolicy, DesiredRoute } from "../../../src/sync/desired.ts";
import { GraviteeEmulator, type GraviteeEmulatorOptions } from "../../fakes/gravitee_emulator.ts";
import {
  checkingFetch,
  GRAVITEE_SPECS,
  loadGraviteeSpecs,
  schemaPolicyValidator,
  type SpecLog,
} from "../../fakes/gravitee_emulator_contract.ts";

/** Admin URL the adapter is given (the emulator answers whatever the host). */
export const ADMIN_URL = "http://gravitee.test:8083";
/** Spec files the harness needs. */
export const HARNESS_SPECS = [
  GRAVITEE_SPECS.apis,
  GRAVITEE_SPECS.installation,
  GRAVITEE_SPECS.policies,
];

/** An emulator, a spec-checked adapter bound to it, and what the checker saw. */
export interface Harness {
  /** The emulator. */
  readonly gravitee: GraviteeEmulator;
  /** The adapter under test. */
  readonly adapter: GraviteeAdapter;
  /** Spec checks of every call. */
  readonly log: SpecLog;
  /** Writes (non-GET requests) since the last call of this function. */
  writes(): string[];
  /** Fails when the checker saw a spec violation. */
  assertConformant(): void;
}

/** Builds a harness; `seed` runs on the emulator before anything else. */
export async function harness(
  options: {
    readonly emulator?: GraviteeEmulatorOptions;
    readonly adapter?: Partial<GraviteeAdapterOptions>;
    readonly seed?: (gravitee: GraviteeEmulator) => void;
  } = {},
): Promise<Harness> {
  const gravitee = new GraviteeEmulator({
    validatePolicy: await schemaPolicyValidator(),
    ...options.emulator,
  });
  options.seed?.(gravitee);
  const checked = checkingFetch(gravitee.fetch, await loadGraviteeSpecs());
  const adapter = createGraviteeAdapter({
    adminUrl: ADMIN_URL,
    user: "admin",
    password: "admin",
    fetch: checked.fetch,
    ...options.adapter,
  });
  let seen = gravitee.requests.length;
  return {
    gravitee,
    adapter,
    log: checked.log,
    writes() {
      const since = gravitee.requests.slice(seen);
      seen = gravitee.requests.length;
      return since.filter((request) => request.method !== "GET").map((request) =>
        `${request.method} ${
          request.path.replace(
            /^\/management(\/v2)?\/organizations\/DEFAULT\/environments\/DEFAULT/,
            "",
          )
            .replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, ":id")
        }`
      );
    },
    assertConformant() {
      assert.deepEqual(
        checked.log.violations,
        [],
        checked.log.violations.map((v) => `${v.call}: ${v.problem}`).join("\n"),
      );
    },
  };
}

/** A desired policy. */
export function policy(
  id: string,
  type: DesiredPolicy["type"],
  config: Record<string, unknown>,
  extra: Partial<DesiredPolicy> = {},
): DesiredPolicy {
  return {
    id,
    name: `${type}-${id}`,
    type,
    config,
    priority: 100,
    enabled: true,
    targets: [],
    ...extra,
  };
}

/** A desired route. */
export function route(id: string, name: string, extra: Partial<DesiredRoute> = {}): DesiredRoute {
  return {
    id,
    name,
    apiId: name,
    catalogId: `cat-${name}`,
    pathPrefix: `/apis/${name}`,
    backendUrl: `http://${name}.backend:8080`,
    methods: ["GET", "POST", "PUT", "DELETE"],
    activated: true,
    generation: 1,
    specHash: "",
    openapiSpec: null,
    ...extra,
  };
}

/** A desired credential. */
export function credential(
  consumerId: string,
  apiName: string,
  authType: DesiredCredential["authType"],
  key: string,
): DesiredCredential {
  return { consumerId, apiName, authType, key };
}
