/**
 * Choosing the adapter: the configured gateway type, or auto-detection that probes Kong, then
 * Gravitee, then webMethods at the admin URL.
 *
 * @module
 */

import { displayUrl } from "../http/url.ts";
import type { CallOptions, GatewayAdapter, GatewayInfo, GatewayType } from "./adapter.ts";
import { GATEWAY_TYPES } from "./adapter.ts";

/** Connection settings shared by every adapter. */
export interface AdapterSettings {
  /** Admin API base URL. */
  readonly adminUrl: URL;
  /** Admin token (Kong `Kong-Admin-Token`, Gravitee bearer). */
  readonly token?: string;
  /** Basic-auth user (Gravitee, webMethods). */
  readonly user?: string;
  /** Basic-auth password. */
  readonly password?: string;
  /** Kong Enterprise workspace. */
  readonly kongWorkspace?: string;
  /** Gravitee organisation (default `DEFAULT`). */
  readonly graviteeOrganization?: string;
  /** Gravitee environment (default `DEFAULT`). */
  readonly graviteeEnvironment?: string;
  /** Per-call timeout in ms. */
  readonly timeoutMs?: number;
  /** The fetch implementation, for tests. */
  readonly fetch?: typeof fetch;
}

/** How the agent reaches one gateway product. */
export interface GatewayDriver {
  /** The product. */
  readonly type: GatewayType;
  /**
   * Probes the admin URL: the gateway's info when it is this product, `null` when it answered but
   * is something else. Throws when the URL cannot be reached.
   */
  detect(settings: AdapterSettings, options?: CallOptions): Promise<GatewayInfo | null>;
  /** An adapter bound to the admin URL (its code is loaded on first use). */
  create(settings: AdapterSettings): Promise<GatewayAdapter>;
}

/** A resolved adapter and what its probe found. */
export interface ResolvedGateway {
  /** The adapter to use. */
  readonly adapter: GatewayAdapter;
  /** The probe result. */
  readonly info: GatewayInfo;
}

/** The gateway could not be identified or reached. */
export class GatewayResolutionError extends Error {
  /** Builds the error. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "GatewayResolutionError";
  }
}

/** Options for {@linkcode resolveGateway}. */
export interface ResolveOptions extends CallOptions {
  /** Configured type or `auto`. */
  readonly type: GatewayType | "auto";
  /** Connection settings. */
  readonly settings: AdapterSettings;
  /** Drivers available in this build, by type. */
  readonly drivers: Readonly<Partial<Record<GatewayType, GatewayDriver>>>;
}

/**
 * Returns the adapter for the configured type (after a probe) or, with `auto`, the first product
 * whose probe recognises the admin API.
 */
export async function resolveGateway(options: ResolveOptions): Promise<ResolvedGateway> {
  const where = displayUrl(options.settings.adminUrl);
  if (options.type !== "auto") {
    const driver = options.drivers[options.type];
    if (!driver) {
      throw new GatewayResolutionError(
        `STOA_GATEWAY_TYPE=${options.type} is not supported by this build of stoa-connect; supported: ${
          Object.keys(options.drivers).join(", ")
        }`,
      );
    }
    const adapter = await driver.create(options.settings);
    const info = await adapter.probe({ signal: options.signal });
    return { adapter, info };
  }

  const notes: string[] = [];
  for (const type of GATEWAY_TYPES) {
    const driver = options.drivers[type];
    if (!driver) continue;
    let info: GatewayInfo | null;
    try {
      info = await driver.detect(options.settings, { signal: options.signal });
    } catch (error) {
      // A refusal (401/403) or an unreachable host says nothing about the product: the next
      // product's probe would fail the same way, so stop here with the real reason.
      throw new GatewayResolutionError(
        `cannot auto-detect the gateway at ${where}: ${
          error instanceof Error ? error.message : String(error)
        }`,
        { cause: error },
      );
    }
    if (info) return { adapter: await driver.create(options.settings), info };
    notes.push(`not ${type}`);
  }
  throw new GatewayResolutionError(
    `could not recognise the gateway at ${where} (${
      notes.join(", ")
    }); check STOA_GATEWAY_ADMIN_URL points at the admin API, or set STOA_GATEWAY_TYPE`,
  );
}
