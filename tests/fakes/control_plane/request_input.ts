/**
 * FastAPI's request parsing, which runs before any handler code (contract §1.2): the JSON body is
 * decoded first (a decode error is reported alone), then path, header and body are validated and
 * every error is reported together in that order. Only a request that passes reaches the key
 * check, which is why a 422 wins over 503, 401 and 404.
 *
 * @module
 */

import { validationResponse } from "./errors.ts";
import { uuid, type ValidationIssue, type Validator } from "./validation.ts";

/** Name of the auth header, as the CP declares it (also the `loc` of its errors). */
export const KEY_HEADER = "X-Gateway-Key";

/** What an endpoint declares. */
export interface InputSpec<B> {
  /** Raw `{gateway_id}` path parameter, for endpoints that have one. */
  readonly rawGatewayId?: string;
  /** `X-Gateway-Key` is a required header. */
  readonly requireKey: boolean;
  /** Body model, for endpoints that take a body. */
  readonly body?: Validator<B>;
}

/** A request that passed validation. */
export interface ValidInput<B> {
  /** Canonical lowercase gateway id (empty when the endpoint has none). */
  readonly gatewayId: string;
  /** The `X-Gateway-Key` value (`null` when absent and optional). */
  readonly key: string | null;
  /** The validated body (`undefined` for endpoints without one). */
  readonly body: B;
}

/** Either the validated input or the 422 to send. */
export type InputResult<B> =
  | { readonly ok: true; readonly input: ValidInput<B> }
  | { readonly ok: false; readonly response: Response };

/** Validates one request against an endpoint's declaration. */
export async function readInput<B>(request: Request, spec: InputSpec<B>): Promise<InputResult<B>> {
  let decoded: Decoded = { kind: "absent" };
  if (spec.body) {
    decoded = decodeBody(await request.text(), request.headers.get("content-type"));
    if (decoded.kind === "invalid") {
      return { ok: false, response: validationResponse([decoded.issue]) };
    }
  }

  const issues: ValidationIssue[] = [];
  let gatewayId = "";
  if (spec.rawGatewayId !== undefined) {
    const checked = uuid(spec.rawGatewayId, ["path", "gateway_id"], issues);
    if (checked.ok) gatewayId = checked.value;
  }
  const key = request.headers.get(KEY_HEADER);
  if (spec.requireKey && key === null) {
    issues.push({
      type: "missing",
      loc: ["header", KEY_HEADER],
      msg: "Field required",
      input: null,
    });
  }
  let body: B = undefined as B;
  if (spec.body) {
    if (decoded.kind === "absent" || (decoded.kind === "json" && decoded.value === null)) {
      issues.push({ type: "missing", loc: ["body"], msg: "Field required", input: null });
    } else {
      const checked = spec.body(decoded.value, ["body"], issues);
      if (checked.ok) body = checked.value;
    }
  }
  if (issues.length > 0) return { ok: false, response: validationResponse(issues) };
  return { ok: true, input: { gatewayId, key, body } };
}

type Decoded =
  | { readonly kind: "absent" }
  | { readonly kind: "json"; readonly value: unknown }
  | { readonly kind: "raw"; readonly value: string }
  | { readonly kind: "invalid"; readonly issue: ValidationIssue };

/**
 * FastAPI decodes the body as JSON when the content type is missing or JSON-ish; any other
 * content type leaves the raw text, which then fails model validation.
 */
function decodeBody(text: string, contentType: string | null): Decoded {
  if (text.length === 0) return { kind: "absent" };
  const mediaType = (contentType ?? "").split(";")[0].trim().toLowerCase();
  const isJson = mediaType === "" || mediaType === "application/json" ||
    (mediaType.startsWith("application/") && mediaType.endsWith("+json"));
  if (!isJson) return { kind: "raw", value: text };
  try {
    return { kind: "json", value: JSON.parse(text) };
  } catch (error) {
    return { kind: "invalid", issue: jsonInvalid(text, error) };
  }
}

/** Python's `json` messages for the V8 errors that correspond to them. */
const PYTHON_JSON_MESSAGES: readonly [RegExp, string][] = [
  [/Unexpected end of JSON input/i, "Expecting value"],
  [/property name/i, "Expecting property name enclosed in double quotes"],
  [/Expected ',' or/i, "Expecting ',' delimiter"],
  [/Expected ':'/i, "Expecting ':' delimiter"],
  [/non-whitespace character after JSON/i, "Extra data"],
  [/Bad control character/i, "Invalid control character at"],
  [/Unterminated string/i, "Unterminated string starting at"],
];

/**
 * FastAPI's `json_invalid` item: `loc` is `["body", <character position>]`, `ctx.error` Python's
 * message. Positions and messages come from V8's parser, so they are close to, not always
 * identical with, what Python reports.
 */
function jsonInvalid(text: string, error: unknown): ValidationIssue {
  const message = error instanceof Error ? error.message : String(error);
  const position = /position (\d+)/.exec(message);
  const at = position ? Number(position[1]) : /end of JSON input/i.test(message) ? text.length : 0;
  const python = PYTHON_JSON_MESSAGES.find(([pattern]) => pattern.test(message))?.[1] ??
    "Expecting value";
  return {
    type: "json_invalid",
    loc: ["body", at],
    msg: "JSON decode error",
    input: {},
    ctx: { error: python },
  };
}
