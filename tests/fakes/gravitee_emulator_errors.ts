/**
 * Error bodies of the Gravitee Management API, as its exception mappers build them
 * (`…/management/v2/rest/exceptionmapper/*.java`, `shared/specs/gravitee/fixtures/errors/`):
 * v2 answers `{httpStatus, message, technicalCode?, parameters?, details?}`; the v1 API (kept for
 * applications) answers `{message, http_status, technicalCode?, parameters?}`. Messages are
 * copied from the server's exception classes; where a class was not read, the text is marked
 * "(approximated)" beside the function.
 *
 * @module
 */

/** An error answer, thrown inside the emulator and turned into a response. */
export class GraviteeApiError extends Error {
  /** HTTP status. */
  readonly status: number;
  /** Business fields of the body (status fields are added per API version). */
  readonly fields: Readonly<Record<string, unknown>>;

  /** Builds the error. */
  constructor(status: number, message: string, extra: Readonly<Record<string, unknown>> = {}) {
    super(message);
    this.name = "GraviteeApiError";
    this.status = status;
    this.fields = { message, ...extra };
  }

  /** The body in the v2 (`httpStatus`) or v1 (`http_status`) shape. */
  body(version: "v1" | "v2"): Record<string, unknown> {
    return version === "v2"
      ? { httpStatus: this.status, ...this.fields }
      : { ...this.fields, http_status: this.status };
  }
}

/** JAX-RS `NotFoundException` (unknown path): `HTTP 404 Not Found`. */
export function pathNotFound(): GraviteeApiError {
  return new GraviteeApiError(404, "HTTP 404 Not Found");
}

/** JAX-RS `NotAllowedException`. */
export function methodNotAllowed(): GraviteeApiError {
  return new GraviteeApiError(405, "HTTP 405 Method Not Allowed");
}

/** JAX-RS `NotSupportedException`. */
export function unsupportedMediaType(): GraviteeApiError {
  return new GraviteeApiError(415, "HTTP 415 Unsupported Media Type");
}

/** `UnrecognizedPropertyExceptionMapper`. */
export function unrecognizedProperty(name: string): GraviteeApiError {
  return new GraviteeApiError(400, `Property [${name}] is not recognized as a valid property`);
}

/** `ConstraintValidationExceptionMapper` (bean validation of bodies and parameters). */
export function validationError(
  details: readonly { message: string; location: string; invalidValue?: unknown }[],
): GraviteeApiError {
  return new GraviteeApiError(400, "Validation error", { details });
}

/** A `BadRequestException` or a 400 `AbstractManagementException`. */
export function badRequest(
  message: string,
  technicalCode?: string,
  parameters?: Readonly<Record<string, string>>,
): GraviteeApiError {
  return new GraviteeApiError(400, message, {
    ...(technicalCode ? { technicalCode } : {}),
    ...(parameters ? { parameters } : {}),
  });
}

/** `ApiNotFoundException` (legacy style, `404-api-not-found-legacy.json`). */
export function apiNotFound(id: string): GraviteeApiError {
  return new GraviteeApiError(404, `Api [${id}] cannot be found.`, {
    technicalCode: "api.notFound",
    parameters: { api: id },
  });
}

/** `PlanNotFoundException`. */
export function planNotFound(id: string): GraviteeApiError {
  return new GraviteeApiError(404, `Plan [${id}] cannot be found.`, {
    technicalCode: "plan.notFound",
    parameters: { plan: id },
  });
}

/** `SubscriptionNotFoundException` (approximated). */
export function subscriptionNotFound(id: string): GraviteeApiError {
  return new GraviteeApiError(404, `Subscription [${id}] cannot be found.`, {
    technicalCode: "subscription.notFound",
    parameters: { subscription: id },
  });
}

/** `ApplicationNotFoundException` (approximated). */
export function applicationNotFound(id: string): GraviteeApiError {
  return new GraviteeApiError(404, `Application [${id}] cannot be found.`, {
    technicalCode: "application.notFound",
    parameters: { application: id },
  });
}

/** `OrganizationNotFoundException` / `EnvironmentNotFoundException` (approximated). */
export function scopeNotFound(kind: "Organization" | "Environment", id: string): GraviteeApiError {
  const key = kind.toLowerCase();
  return new GraviteeApiError(404, `${kind} [${id}] cannot be found.`, {
    technicalCode: `${key}.notFound`,
    parameters: { [key]: id },
  });
}

/** `ForbiddenAccessException` (`403-forbidden.json`). */
export function forbidden(): GraviteeApiError {
  return new GraviteeApiError(403, "You do not have sufficient rights to access this resource", {
    technicalCode: "forbidden",
  });
}
