/**
 * transform → Kong's `request-transformer` and, for a `response` section, `response-transformer`.
 *
 * Accepted shape (each list may also be written as a map `{name: value}`):
 *
 * ```json
 * { "add": { "headers": ["X-Team:payments"], "querystring": ["v:2"] },
 *   "remove": { "headers": ["X-Internal"] },
 *   "rename": { "headers": ["X-Old:X-New"] },
 *   "replace": { "uri": "/v2/orders" },
 *   "http_method": "POST",
 *   "response": { "add": { "headers": { "X-Served-By": "kong" }, "json": { "cached": false } } } }
 * ```
 *
 * Request actions may also be nested under `request`. Every list of the produced config is
 * written out (empty when unused), so a removed setting is removed on Kong too.
 *
 * @module
 */

import {
  nonEmptyString,
  oneOf,
  type Parsed,
  type Parser,
  type PolicyConfigReader,
} from "../policy_config.ts";
import type { KongPluginSpec } from "./kong_policies.ts";

const ACTIONS = ["add", "append", "replace", "rename", "remove"] as const;
type Action = (typeof ACTIONS)[number];
const REQUEST_TARGETS = ["headers", "querystring", "body"] as const;
const RESPONSE_TARGETS = ["headers", "json"] as const;
/** Kong's `validate_header_name`: letters, digits, `-` and `_`. */
const HEADER_NAME = /^[A-Za-z0-9_-]+$/;
const METHODS = ["GET", "HEAD", "PUT", "PATCH", "POST", "DELETE", "OPTIONS", "TRACE"] as const;

type Target = "headers" | "querystring" | "body" | "json";

interface Actions {
  readonly config: Record<string, unknown>;
  readonly used: boolean;
}

/** Maps a transform policy (see the module documentation). */
export function mapTransform(reader: PolicyConfigReader): KongPluginSpec[] {
  const nested = reader.section(["request"]);
  const response = reader.section(["response"]);
  const top = requestActions(reader);
  const inner = nested ? requestActions(nested) : undefined;
  if (top.used && inner?.used) {
    reader.problem("request actions are given both at the top level and under request; use one");
  }
  const request = inner?.used ? inner : top;
  const plugins: KongPluginSpec[] = [];
  if (request.used) plugins.push({ name: "request-transformer", config: request.config });
  if (response) {
    const actions = responseActions(response);
    if (actions.used) plugins.push({ name: "response-transformer", config: actions.config });
  }
  if (plugins.length === 0) {
    reader.problem(
      "has nothing to do: give add, append, replace, rename or remove (headers, querystring, body), http_method, or a response section",
    );
  }
  return plugins;
}

function requestActions(reader: PolicyConfigReader): Actions {
  const method = reader.read(["http_method", "httpMethod"], oneOf(METHODS));
  let used = method !== undefined;
  const config: Record<string, unknown> = { http_method: method ?? null };
  for (const action of ACTIONS) {
    const section = reader.section([action]);
    const record: Record<string, unknown> = {};
    for (const target of REQUEST_TARGETS) {
      const entries = section?.read([target], entryParser(action, target)) ?? [];
      record[target] = entries.map((entry) => entry.text);
      used ||= entries.length > 0;
    }
    if (action === "replace") {
      const uri = section?.read(["uri"], nonEmptyString);
      record.uri = uri ?? null;
      used ||= uri !== undefined;
    }
    config[action] = record;
  }
  return { config, used };
}

function responseActions(reader: PolicyConfigReader): Actions {
  let used = false;
  const config: Record<string, unknown> = {};
  for (const action of ACTIONS) {
    const section = reader.section([action]);
    const record: Record<string, unknown> = {};
    for (const target of RESPONSE_TARGETS) {
      const entries = section?.read([target], entryParser(action, target)) ?? [];
      record[target] = entries.map((entry) => entry.text);
      if (target === "json" && ["add", "append", "replace"].includes(action)) {
        // json_types lines up with json; all-strings needs none (Kong's default type).
        const types = entries.map((entry) => entry.type);
        record.json_types = types.every((type) => type === "string") ? [] : types;
      }
      used ||= entries.length > 0;
    }
    config[action] = record;
  }
  return { config, used };
}

interface Entry {
  /** What Kong stores: `name` for remove, `name:value` otherwise. */
  readonly text: string;
  /** JSON type of the value (response json only). */
  readonly type: "string" | "number" | "boolean";
}

/**
 * Entries of one list: a list of strings (`name:value`, or names for remove) or a map. Names
 * never contain `:`; header names (and renamed header names) follow Kong's header rules.
 */
function entryParser(action: Action, target: Target): Parser<Entry[]> {
  const pairs = action !== "remove";
  return (value): Parsed<Entry[]> => {
    const raw: [string, unknown][] = [];
    if (Array.isArray(value)) {
      for (const item of value) {
        if (typeof item !== "string") {
          return { problem: `must list strings, got ${JSON.stringify(item)}` };
        }
        const colon = item.indexOf(":");
        if (!pairs) raw.push([item.trim(), undefined]);
        else if (colon <= 0) {
          return { problem: `has '${item}', which is not name:value` };
        } else raw.push([item.slice(0, colon).trim(), item.slice(colon + 1)]);
      }
    } else if (value !== null && typeof value === "object") {
      for (const [name, item] of Object.entries(value)) raw.push([name.trim(), item]);
    } else {
      return { problem: `must be a list or a map, got ${JSON.stringify(value)}` };
    }
    const entries: Entry[] = [];
    for (const [name, item] of raw) {
      const problem = checkEntry(action, target, name, item);
      if (problem) return { problem };
      const type = typeof item === "number"
        ? "number"
        : typeof item === "boolean"
        ? "boolean"
        : "string";
      entries.push({ text: pairs ? `${name}:${String(item)}` : name, type });
    }
    return { value: entries };
  };
}

function checkEntry(
  action: Action,
  target: Target,
  name: string,
  value: unknown,
): string | undefined {
  if (name === "" || name.includes(":")) return `has an empty name or a name with ':' ('${name}')`;
  if (target === "headers" && !HEADER_NAME.test(name)) {
    return `has '${name}', which is not a header name (letters, digits, - and _)`;
  }
  if (action === "remove") return undefined;
  const allowed = target === "json" && action !== "rename"
    ? ["string", "number", "boolean"]
    : ["string"];
  if (!allowed.includes(typeof value)) {
    return `has ${name} = ${JSON.stringify(value)}; values must be ${allowed.join(" or ")}`;
  }
  if (action === "rename" && target === "headers" && !HEADER_NAME.test(String(value))) {
    return `renames ${name} to '${String(value)}', which is not a header name`;
  }
  return undefined;
}
