/**
 * Credential sync (contract §10, reference-agent §4.6): the tenant's consumer credentials in Vault
 * (`<VAULT_KV_PATH>/data/consumers/<STOA_TENANT_ID>`) → plan against the consumers and credentials
 * this agent owns → apply: created, rotated, and deleted when gone from Vault (the Go agent only
 * ever added, P-24), behind the mass-deletion guard. Nothing is reported to the Control Plane.
 *
 * @module
 */

import { readCredentials } from "../credentials/consumer_credentials.ts";
import { log } from "../observability/logger.ts";
import { KindRunner, type RunOptions, type SyncAdapterSource } from "./kind_runner.ts";
import { MassDeleteGuard } from "./mass_delete_guard.ts";
import { reconcile } from "./reconcile.ts";
import type { KindOutcome } from "./sync_report.ts";

/** What credential sync needs from Vault. */
export interface CredentialSource {
  /** Makes sure the token is usable (lookup, renewal, re-login). */
  ensureToken(signal?: AbortSignal): Promise<void>;
  /** Reads a KV v2 secret's data, `null` when there is none. */
  readKv(
    mount: string,
    path: string,
    signal?: AbortSignal,
  ): Promise<Record<string, unknown> | null>;
}

/** Options of {@linkcode CredentialSync}. */
export interface CredentialSyncOptions {
  /** Vault. */
  readonly vault: CredentialSource;
  /** KV v2 mount (`VAULT_KV_PATH`). */
  readonly mount: string;
  /** Tenant whose consumers are synchronised (`STOA_TENANT_ID`). */
  readonly tenantId: string;
  /** Where the adapter comes from. */
  readonly adapter: SyncAdapterSource;
  /** Most items written at once (default 8). */
  readonly concurrency?: number;
  /** Called after every real run. */
  readonly onOutcome?: (outcome: KindOutcome) => void;
}

/** Synchronises Vault's consumer credentials onto the gateway. */
export class CredentialSync {
  /** The guard against mass deletion of consumers. */
  readonly guard: MassDeleteGuard = new MassDeleteGuard("credential");
  readonly #options: CredentialSyncOptions;
  readonly #runner: KindRunner;

  /** A credential sync that has not run yet. */
  constructor(options: CredentialSyncOptions) {
    this.#options = options;
    this.#runner = new KindRunner({
      kind: "credential",
      adapter: options.adapter,
      onOutcome: options.onOutcome,
    });
  }

  /** The outcome of the last real run. */
  get last(): KindOutcome | undefined {
    return this.#runner.last;
  }

  /** One cycle: token health, read, plan, apply (unless dry run). */
  run(options: RunOptions = {}): Promise<KindOutcome> {
    return this.#runner.run(options, async (adapter, startedAt) => {
      const { vault, mount, tenantId } = this.#options;
      await vault.ensureToken(options.signal);
      const secret = await vault.readKv(mount, `consumers/${tenantId}`, options.signal);
      const read = readCredentials(secret);
      if (read.dropped > 0) {
        log("credential-sync").warn(
          "{count} credentials in Vault have no consumer_id or key and were ignored",
          { count: read.dropped },
        );
      }
      return await reconcile({
        kind: "credential",
        adapter,
        plan: (a) => a.planCredentials(read.desired, { signal: options.signal }),
        invalid: read.invalid,
        guard: this.guard,
        dryRun: options.dryRun ?? false,
        concurrency: this.#options.concurrency,
        startedAt,
        signal: options.signal,
      });
    });
  }
}
