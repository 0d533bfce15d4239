/**
 * Error bodies of the Kong Admin API, as built by Kong's `kong/db/errors.lua` and
 * `kong/api/endpoints.lua` (see `shared/specs/kong/fixtures/errors/`).
 *
 * @module
 */

/** Kong's numeric error codes (`kong/db/errors.lua`). */
export const KONG_ERROR_CODES = {
  SCHEMA_VIOLATION: 2,
  PRIMARY_KEY_VIOLATION: 3,
  FOREIGN_KEY_VIOLATION: 4,
  UNIQUE_VIOLATION: 5,
  INVALID_OFFSET: 7,
  INVALID_SIZE: 9,
  INVALID_OPTIONS: 11,
  OPERATION_UNSUPPORTED: 12,
  INVALID_DECLARATIVE_CONFIGURATION: 14,
} as const;

/** An error answer: HTTP status plus Kong's JSON body. Thrown inside the emulator, never leaked. */
export class KongApiError extends Error {
  /** HTTP status to answer with. */
  readonly status: number;
  /** JSON body to answer with. */
  readonly body: Readonly<Record<string, unknown>>;

  /** Builds the error. */
  constructor(status: number, body: Readonly<Record<string, unknown>>) {
    super(String(body.message));
    this.name = "KongApiError";
    this.status = status;
    this.body = body;
  }
}

/** One schema problem: dotted field path (`config.minute`, `@entity`) and Kong's text. */
export type FieldError = readonly [field: string, message: string];

/** `404 {"message":"Not found"}`. */
export function notFound(): KongApiError {
  return new KongApiError(404, { message: "Not found" });
}

/** `405 {"message":"Method not allowed"}`. */
export function methodNotAllowed(): KongApiError {
  return new KongApiError(405, { message: "Method not allowed" });
}

/**
 * `400` schema violation. Kong sorts the `field: message` parts of the message; `@entity` errors
 * (checks across fields) are listed under `fields["@entity"]` and appear in the message without a
 * field prefix.
 */
export function schemaViolation(errors: readonly FieldError[]): KongApiError {
  const fields: Record<string, unknown> = {};
  const parts: string[] = [];
  for (const [field, message] of errors) {
    if (field === "@entity") {
      const list = (fields["@entity"] as string[] | undefined) ?? [];
      list.push(message);
      fields["@entity"] = list;
      parts.push(message);
      continue;
    }
    parts.push(`${field}: ${message}`);
    setNested(fields, field.split("."), message);
  }
  parts.sort();
  const message = parts.length === 1
    ? `schema violation (${parts[0]})`
    : `${parts.length} schema violations (${parts.join("; ")})`;
  return new KongApiError(400, {
    code: KONG_ERROR_CODES.SCHEMA_VIOLATION,
    name: "schema violation",
    message,
    fields,
  });
}

function setNested(target: Record<string, unknown>, path: readonly string[], value: string): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== "object") node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
}

/** Renders a key the way Kong prints Lua tables in messages: `{name="bob"}`, `{service={id="…"}}`. */
export function luaTable(value: Readonly<Record<string, unknown>>): string {
  const parts = Object.keys(value).sort().map((key) => `${key}=${luaValue(value[key])}`);
  return `{${parts.join(",")}}`;
}

function luaValue(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "object") return luaTable(value as Record<string, unknown>);
  return String(value);
}

/** `409` unique violation on the given key (code 5). */
export function uniqueViolation(key: Readonly<Record<string, unknown>>): KongApiError {
  return new KongApiError(409, {
    code: KONG_ERROR_CODES.UNIQUE_VIOLATION,
    name: "unique constraint violation",
    message: `UNIQUE violation detected on '${luaTable(key)}'`,
    fields: key,
  });
}

/** `409` primary-key violation (code 3): an entity with this id exists. */
export function primaryKeyViolation(id: string): KongApiError {
  return new KongApiError(409, {
    code: KONG_ERROR_CODES.PRIMARY_KEY_VIOLATION,
    name: "primary key violation",
    message: `primary key violation on key '${luaTable({ id })}'`,
    fields: { id },
  });
}

/** `400` foreign-key violation (code 4): the referenced entity does not exist. */
export function foreignKeyMissing(
  field: string,
  reference: Readonly<Record<string, unknown>>,
  targetKind: string,
): KongApiError {
  return new KongApiError(400, {
    code: KONG_ERROR_CODES.FOREIGN_KEY_VIOLATION,
    name: "foreign key violation",
    message: `the foreign key '${
      luaTable(reference)
    }' does not reference an existing '${targetKind}' entity.`,
    fields: { [field]: reference },
  });
}

/** `400` foreign-key violation (code 4): the entity is still referenced and cannot be deleted. */
export function foreignKeyRestricted(parentKind: string, childKind: string): KongApiError {
  return new KongApiError(400, {
    code: KONG_ERROR_CODES.FOREIGN_KEY_VIOLATION,
    name: "foreign key violation",
    message: `an existing '${childKind}' entity references this '${parentKind}' entity`,
    fields: { "@referenced_by": childKind },
  });
}

/** `400` invalid size (code 9). */
export function invalidSize(): KongApiError {
  return new KongApiError(400, {
    code: KONG_ERROR_CODES.INVALID_SIZE,
    name: "invalid size",
    message: "size must be an integer between 1 and 1000",
  });
}

/** `400` invalid offset (code 7), e.g. `'x' is not a valid offset: bad base64 encoding`. */
export function invalidOffset(offset: string, reason: string): KongApiError {
  return new KongApiError(400, {
    code: KONG_ERROR_CODES.INVALID_OFFSET,
    name: "invalid offset",
    message: `'${offset}' is not a valid offset: ${reason}`,
  });
}

/** `400` invalid options (code 11), e.g. too many tags. */
export function invalidOption(field: string, reason: string): KongApiError {
  return new KongApiError(400, {
    code: KONG_ERROR_CODES.INVALID_OPTIONS,
    name: "invalid options",
    message: `invalid option (${field}: ${reason})`,
    fields: { [field]: reason },
  });
}

/** `405` for entity writes in DB-less mode (code 12). */
export function operationUnsupported(
  action: "create" | "create or update" | "update" | "delete",
  kind: string,
): KongApiError {
  return new KongApiError(405, {
    code: KONG_ERROR_CODES.OPERATION_UNSUPPORTED,
    name: "operation unsupported",
    message: `cannot ${action} '${kind}' entities when not using a database`,
  });
}

/**
 * `400` invalid declarative configuration (code 14, `POST /config`): `fields` is Kong's error
 * table, printed as a Lua table in the message (`fixtures/errors/400-dbless-config-invalid.json`).
 */
export function invalidDeclarativeConfig(fields: Readonly<Record<string, unknown>>): KongApiError {
  return new KongApiError(400, {
    code: KONG_ERROR_CODES.INVALID_DECLARATIVE_CONFIGURATION,
    name: "invalid declarative configuration",
    message: `declarative config is invalid: ${luaTable(fields)}`,
    fields,
  });
}

/** `400` for `/config` on a node with a database (`kong/api/routes/config.lua`). */
export function declarativeOnly(): KongApiError {
  return new KongApiError(400, {
    message: "this endpoint is only available when Kong is configured to not use a database",
  });
}

/** `400` for a `POST /config` body that is neither a document nor `{"config": "…"}`. */
export function expectedDeclarativeConfig(): KongApiError {
  return new KongApiError(400, { message: "expected a declarative configuration" });
}
