/**
 * Checks every exchange between the Kong adapter and the emulator against Kong's official specs:
 * the path and method must be documented (OSS 3.9 for the core entities and `/config`, EE 3.10
 * and the plugin APIs for credentials), request bodies must match the EE 3.10 request schemas,
 * responses the EE 3.10 response schemas (the OAuth2 plugin API for OAuth2 credentials).
 *
 * Spec defects met on the way are listed in {@linkcode KNOWN_DEFECTS}, each with its evidence;
 * an exchange is excused only by a listed defect, never silently.
 *
 * @module
 */

import type { KongEmulator } from "../../fakes/kong_emulator.ts";
import {
  EE_310,
  kongSpec as spec,
  OAUTH2_API,
  OSS_39,
} from "../../fakes/kong_emulator_contract.ts";
import type { OpenApiSpec } from "../../support/openapi.ts";

/** Spec files the checks read (for `specTest` requirements). */
export const KONG_SPEC_FILES: readonly string[] = [OSS_39, EE_310, OAUTH2_API];

/** Defects of the specs that the checks excuse, and why. */
export const KNOWN_DEFECTS: readonly { readonly match: RegExp; readonly evidence: string }[] = [
  {
    match: /^GET \/([^/]+\/)?oauth2 → path$/,
    evidence:
      "plugin-apis/oauth2 documents POST /oauth2 only, but Kong serves GET /oauth2 (the EE 3.10 GetEndpoints example lists /oauth2; Kong generates list endpoints for every DAO)",
  },
  {
    match: /^\w+ \/[^/{}]+\/(consumers\/[^/]+\/)?oauth2(\/\{id\})? → path$/,
    evidence:
      "plugin-apis/oauth2 documents no /{workspace}/… paths (the key-auth, basic-auth and acl plugin APIs do), yet Kong Enterprise serves every entity endpoint below a workspace",
  },
  {
    match: /^POST \/config → 304 undocumented$/,
    evidence:
      "OSS 3.9 and EE 3.10 document only 201 for POST /config, but check_hash=1 answers 304 when nothing changed (kong/api/routes/config.lua)",
  },
  {
    match: /^(PUT|DELETE|POST) .+ → (400|404|405|409|500|503) undocumented$/,
    evidence:
      "EE 3.10 documents only 2xx and 401 for writes (entity writes, POST /config), but Kong answers 400, 404, 405, 409 and 500 with the bodies of kong/db/errors.lua (fixtures/errors/, 400-dbless-config-invalid.json)",
  },
];

/** One request and its answer. */
export interface Exchange {
  readonly method: string;
  /** Path as sent. */
  readonly path: string;
  readonly requestBody: unknown;
  readonly status: number;
  readonly responseBody: unknown;
}

/** A fetch in front of the emulator that records every exchange. */
export class SpecRecorder {
  /** Every exchange, oldest first. */
  readonly exchanges: Exchange[] = [];
  readonly #kong: KongEmulator;
  readonly #workspace: string | undefined;

  /** Records the exchanges with `kong`; `workspace` is the adapter's Enterprise workspace. */
  constructor(kong: KongEmulator, workspace?: string) {
    this.#kong = kong;
    this.#workspace = workspace;
  }

  /** Pass as the adapter's `fetch`. */
  readonly fetch = async (input: Request | URL | string, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const sent = request.method === "GET" ? "" : await request.clone().text();
    const response = await this.#kong.fetch(request);
    const text = await response.clone().text();
    this.exchanges.push({
      method: request.method,
      path: new URL(request.url).pathname,
      requestBody: sent === "" ? undefined : JSON.parse(sent),
      status: response.status,
      responseBody: text === "" ? undefined : JSON.parse(text),
    });
    return response;
  };

  /**
   * Every problem found: one line per exchange that breaks a spec, naming the exchange and what
   * is wrong. Empty when everything conforms (defects of {@linkcode KNOWN_DEFECTS} excused).
   */
  async problems(): Promise<string[]> {
    return (await this.#review()).problems;
  }

  /** Indexes in {@linkcode KNOWN_DEFECTS} of the defects that excused an exchange. */
  async excused(): Promise<number[]> {
    return [...(await this.#review()).excused].sort((a, b) => a - b);
  }

  async #review(): Promise<{ problems: string[]; excused: Set<number> }> {
    const problems: string[] = [];
    const excused = new Set<number>();
    for (const exchange of this.exchanges) {
      for (const problem of await this.#check(exchange)) {
        const defect = KNOWN_DEFECTS.findIndex((known) => known.match.test(problem.key));
        if (defect >= 0) excused.add(defect);
        else {
          problems.push(
            `${exchange.method} ${exchange.path} → ${exchange.status}: ${problem.text}`,
          );
        }
      }
    }
    return { problems, excused };
  }

  async #check(exchange: Exchange): Promise<{ key: string; text: string }[]> {
    const { method, status } = exchange;
    const out: { key: string; text: string }[] = [];
    const prefix = this.#workspace ? `/${this.#workspace}` : "";
    const local = prefix && exchange.path.startsWith(`${prefix}/`)
      ? exchange.path.slice(prefix.length)
      : exchange.path;
    const template = (found: OpenApiSpec) =>
      found.operation(method, exchange.path)?.template ??
        exchange.path.replace(/\/[0-9a-f-]{36}/g, "/{id}");
    const oauth2 = /^\/(consumers\/[^/]+\/)?oauth2(\/|$)/.test(local);
    const credential = /^\/(key-auths|basic-auths)(\/|$)/.test(local);
    const documents = oauth2 ? await spec(OAUTH2_API) : await spec(EE_310);
    const key = (what: string) => `${method} ${template(documents)} → ${what}`;
    if (!documents.hasOperation(method, exchange.path)) {
      out.push({ key: key("path"), text: `not documented in ${documents.title}` });
      return out;
    }
    if (!oauth2 && !credential) {
      const oss = await spec(OSS_39);
      if (!oss.hasOperation(method, local)) {
        out.push({ key: key("oss path"), text: "not documented in the OSS 3.9 spec" });
      }
    }
    if (exchange.requestBody !== undefined) {
      const request = documents.validateRequest(method, exchange.path, exchange.requestBody);
      if (!request.valid) {
        out.push({ key: key("request"), text: `request body: ${request.errors.join("; ")}` });
      }
    }
    const response = documents.validateResponse(
      method,
      exchange.path,
      status,
      exchange.responseBody,
    );
    if (!response.valid) {
      const undocumented = response.errors.some((error) => error.includes("is not documented"));
      out.push({
        key: key(`${status} ${undocumented ? "undocumented" : "response"}`),
        text: `response: ${response.errors.join("; ")}`,
      });
    }
    return out;
  }
}
