/**
 * What the agent currently knows: its gateway id, the gateway it drives, the APIs it found and the
 * health of its links. Loops write it; `/health`, `/status`, heartbeats and logs read it. Readers
 * get immutable snapshots, so a discovery replacing the list never tears a reader's view.
 *
 * @module
 */

import type { DiscoveredApi, GatewayInfo } from "../gateways/adapter.ts";

/** State of the link to the Control Plane. */
export interface ControlPlaneLink {
  /** The gateway id, absent until registered (or after the Control Plane forgot it). */
  readonly gatewayId?: string;
  /** The name the Control Plane registered us under. */
  readonly gatewayName?: string;
  /** When registration last succeeded. */
  readonly registeredAt?: string;
  /** When the last heartbeat was accepted. */
  readonly lastHeartbeatAt?: string;
  /** Consecutive heartbeats answered 404. */
  readonly heartbeatNotFound: number;
  /** Last Control Plane error, cleared by the next success. */
  readonly lastError?: string;
  /** True since the Control Plane answered 401 to the gateway key, until a call succeeds. */
  readonly keyRejected?: boolean;
  /** When `lastError` happened. */
  readonly lastErrorAt?: string;
}

/** State of the link to the gateway admin API. */
export interface GatewayLink {
  /** Probe result, once the gateway answered. */
  readonly info?: GatewayInfo;
  /** Whether the last admin call succeeded. */
  readonly reachable: boolean;
  /** Last admin error, cleared by the next success. */
  readonly lastError?: string;
  /** When `lastError` happened. */
  readonly lastErrorAt?: string;
}

/** The latest discovery. */
export interface DiscoverySnapshot {
  /** APIs found. */
  readonly apis: readonly DiscoveredApi[];
  /** When they were found. */
  readonly at?: string;
  /** Whether the Control Plane received this list. */
  readonly reported: boolean;
}

/** Called with the new gateway id (or `undefined`) whenever it changes. */
export type GatewayIdListener = (gatewayId: string | undefined) => void;

/** The agent's shared state. */
export class AgentState {
  readonly startedAt: number;
  #cp: ControlPlaneLink = { heartbeatNotFound: 0 };
  #gateway: GatewayLink = { reachable: false };
  #discovery: DiscoverySnapshot = { apis: [], reported: false };
  #listeners = new Set<GatewayIdListener>();

  /** Creates an empty state; `startedAt` is the uptime origin. */
  constructor(startedAt: number = Date.now()) {
    this.startedAt = startedAt;
  }

  /** Current gateway id, `undefined` while unregistered. */
  get gatewayId(): string | undefined {
    return this.#cp.gatewayId;
  }

  /** Snapshot of the Control Plane link. */
  get controlPlane(): ControlPlaneLink {
    return this.#cp;
  }

  /** Snapshot of the gateway link. */
  get gateway(): GatewayLink {
    return this.#gateway;
  }

  /** The latest discovery. */
  get discovery(): DiscoverySnapshot {
    return this.#discovery;
  }

  /** Seconds since the agent started. */
  uptimeSeconds(now: number = Date.now()): number {
    return Math.max(0, Math.floor((now - this.startedAt) / 1000));
  }

  /**
   * Routes the gateway serves, as the heartbeat reports them: each active API counts its paths,
   * at least one.
   */
  routesCount(): number {
    let count = 0;
    for (const api of this.#discovery.apis) {
      if (api.is_active) count += Math.max(1, api.paths.length);
    }
    return count;
  }

  /** Records a successful registration. */
  registered(gatewayId: string, gatewayName: string | undefined): void {
    const changed = gatewayId !== this.#cp.gatewayId;
    this.#cp = {
      ...this.#cp,
      gatewayId,
      gatewayName,
      registeredAt: new Date().toISOString(),
      heartbeatNotFound: 0,
      lastError: undefined,
      lastErrorAt: undefined,
      keyRejected: false,
    };
    if (changed) this.#notify();
  }

  /** Forgets the gateway id (the Control Plane no longer knows it). */
  unregistered(): void {
    if (this.#cp.gatewayId === undefined) return;
    this.#cp = { ...this.#cp, gatewayId: undefined, heartbeatNotFound: 0 };
    this.#notify();
  }

  /** Records an accepted heartbeat. */
  heartbeatAccepted(): void {
    this.#cp = {
      ...this.#cp,
      lastHeartbeatAt: new Date().toISOString(),
      heartbeatNotFound: 0,
      lastError: undefined,
      lastErrorAt: undefined,
      keyRejected: false,
    };
  }

  /** Records a heartbeat answered 404 and returns how many in a row. */
  heartbeatNotFound(message: string): number {
    const count = this.#cp.heartbeatNotFound + 1;
    this.#cp = { ...this.#cp, heartbeatNotFound: count };
    this.controlPlaneFailed(message);
    return count;
  }

  /** Records a Control Plane failure; `unauthorized` when it refused the gateway key. */
  controlPlaneFailed(message: string, options: { readonly unauthorized?: boolean } = {}): void {
    this.#cp = {
      ...this.#cp,
      lastError: message,
      lastErrorAt: new Date().toISOString(),
      keyRejected: this.#cp.keyRejected || options.unauthorized === true,
    };
  }

  /** Records a Control Plane success that is not a heartbeat or registration. */
  controlPlaneOk(): void {
    if (this.#cp.lastError === undefined && !this.#cp.keyRejected) return;
    this.#cp = { ...this.#cp, lastError: undefined, lastErrorAt: undefined, keyRejected: false };
  }

  /** Records that the gateway answered. */
  gatewayReached(info?: GatewayInfo): void {
    this.#gateway = { info: info ?? this.#gateway.info, reachable: true };
  }

  /** Records that the gateway could not be reached or refused. */
  gatewayFailed(message: string): void {
    this.#gateway = {
      ...this.#gateway,
      reachable: false,
      lastError: message,
      lastErrorAt: new Date().toISOString(),
    };
  }

  /** Replaces the discovered APIs. */
  discovered(apis: readonly DiscoveredApi[]): void {
    this.#discovery = {
      apis: Object.freeze([...apis]),
      at: new Date().toISOString(),
      reported: false,
    };
  }

  /** Marks the current discovery as received by the Control Plane. */
  discoveryReported(): void {
    this.#discovery = { ...this.#discovery, reported: true };
  }

  /** Subscribes to gateway id changes; returns the unsubscribe function. */
  onGatewayIdChange(listener: GatewayIdListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #notify(): void {
    for (const listener of this.#listeners) listener(this.#cp.gatewayId);
  }
}
