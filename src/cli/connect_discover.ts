/**
 * `stoactl connect discover`: discovery straight against a gateway's admin API, with the agent's
 * own adapters, no agent or Control Plane needed. `--output json` prints exactly the list the
 * agent reports to the Control Plane (`toPayload` of every API).
 *
 * @module
 */

import { toPayload } from "../agent/discovery.ts";
import { GATEWAY_TYPES, type GatewayInfo, type GatewayType } from "../gateways/adapter.ts";
import { DRIVERS } from "../gateways/drivers.ts";
import { resolveGateway } from "../gateways/resolve.ts";
import type { DiscoveredApiPayload } from "../control_plane/schemas.ts";
import { displayUrl } from "../http/url.ts";
import { registerSecret } from "../observability/redact.ts";
import { failure, usageError } from "./cli_error.ts";
import { loadCliEnvironment, requireReadable } from "./cli_environment.ts";
import { type Command, type CommandContext, stringOption } from "./command.ts";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "./exit_codes.ts";
import { plural } from "./format.ts";
import { explainGatewayFailure } from "./gateway_failure.ts";
import type { Style } from "./style.ts";
import { renderTable } from "./table.ts";

const TYPES: readonly string[] = ["auto", ...GATEWAY_TYPES];
/** The types this build can drive (its drivers), plus `auto`. */
const SUPPORTED_TYPES: readonly string[] = ["auto", ...GATEWAY_TYPES.filter((t) => DRIVERS[t])];

/** Where and how to reach the gateway, after flags, environment and `.env`. */
interface Target {
  readonly adminUrl: URL;
  readonly type: GatewayType | "auto";
  readonly token?: string;
  readonly user?: string;
  readonly password?: string;
  readonly workspace?: string;
  readonly organization?: string;
  readonly environment?: string;
}

function readTarget(context: CommandContext): Target {
  const { values, terminal } = context;
  const environment = loadCliEnvironment({
    env: terminal.io.env,
    envFile: stringOption(values, "env-file"),
  });
  const flag = (name: string) => stringOption(values, name);
  const env = (name: string) => environment.values[name]?.trim() || undefined;
  // A flag replaces its variable, so problems reading that variable's file do not matter.
  requireReadable(
    environment,
    [
      ["admin-url", "STOA_GATEWAY_ADMIN_URL"],
      ["token", "STOA_GATEWAY_ADMIN_TOKEN"],
      ["password", "STOA_GATEWAY_ADMIN_PASSWORD"],
    ].filter(([option]) => flag(option) === undefined).map(([, variable]) => variable),
  );

  const url = flag("admin-url") ?? env("STOA_GATEWAY_ADMIN_URL");
  if (url === undefined) {
    throw usageError(
      "no admin API address: pass --admin-url URL (or set STOA_GATEWAY_ADMIN_URL)\nExample: stoactl connect discover --admin-url http://localhost:8001",
    );
  }
  const adminUrl = URL.canParse(url) ? new URL(url) : undefined;
  if (!adminUrl || (adminUrl.protocol !== "http:" && adminUrl.protocol !== "https:")) {
    throw usageError(
      `--admin-url "${url}" is not an http(s) URL\nExample: --admin-url http://localhost:8001`,
    );
  }
  const type = (flag("type") ?? env("STOA_GATEWAY_TYPE") ?? "auto").toLowerCase();
  if (!TYPES.includes(type)) {
    throw usageError(`--type must be one of ${TYPES.join(", ")}, not '${type}'`);
  }
  if (type !== "auto" && !DRIVERS[type as GatewayType]) {
    throw usageError(
      `--type ${type} is not supported by this build of stoactl (supported: ${
        SUPPORTED_TYPES.join(", ")
      })\nUse --type auto, or a stoactl release that supports ${type}.`,
    );
  }
  const token = flag("token") ?? env("STOA_GATEWAY_ADMIN_TOKEN");
  const password = flag("password") ?? env("STOA_GATEWAY_ADMIN_PASSWORD");
  registerSecret(token);
  registerSecret(password);
  return {
    adminUrl,
    type: type as GatewayType | "auto",
    token,
    user: flag("user") ?? env("STOA_GATEWAY_ADMIN_USER"),
    password,
    workspace: flag("workspace") ?? env("STOA_KONG_WORKSPACE"),
    organization: flag("organization") ?? env("STOA_GRAVITEE_ORGANIZATION"),
    environment: flag("environment") ?? env("STOA_GRAVITEE_ENVIRONMENT"),
  };
}

/** What to do about each kind of failure, from the command line's point of view. */
function advice(kind: ReturnType<typeof explainGatewayFailure>["kind"]): string {
  switch (kind) {
    case "unreachable":
      return "Check --admin-url (the admin API, e.g. Kong on port 8001, not the proxy) and that it accepts connections from this host.";
    case "refused":
      return "Give the admin credentials the gateway expects: --token (or STOA_GATEWAY_ADMIN_TOKEN / _FILE), or --user and --password.";
    case "unrecognised":
      return "Check that --admin-url is the gateway's admin API, or name the product with --type.";
    case "failed":
      return "The gateway failed to answer; look at its error log, then try again.";
  }
}

function describeGateway(info: GatewayInfo): string {
  const mode = info.dbless === undefined ? undefined : info.dbless ? "DB-less" : "with database";
  return [info.type, info.version, info.edition, mode].filter(Boolean).join(" ");
}

function renderApis(
  info: GatewayInfo,
  adminUrl: URL,
  apis: readonly DiscoveredApiPayload[],
  style: Style,
): string {
  const head = `Gateway: ${style.bold(describeGateway(info))} at ${
    style.cyan(displayUrl(adminUrl))
  }`;
  if (apis.length === 0) {
    return [
      head,
      "",
      style.yellow("No APIs discovered."),
      "The admin API answered but lists no services. Check that --admin-url is the gateway the",
      "APIs live on and, on Kong Enterprise, the workspace (--workspace or STOA_KONG_WORKSPACE).",
    ].join("\n");
  }
  const list = (items: readonly string[]) => items.length === 0 ? "-" : items.join(", ");
  const table = renderTable({
    headers: ["NAME", "PATHS", "METHODS", "BACKEND", "POLICIES", "ACTIVE"],
    rows: apis.map((api) => [
      api.name,
      list(api.paths),
      api.methods.length === 0 ? "any" : api.methods.join(","),
      api.backend_url || "-",
      list(api.policies),
      api.is_active ? style.green("yes") : style.yellow("no"),
    ]),
    headerStyle: style.bold,
  });
  return [head, "", table, "", `${plural(apis.length, "API")} discovered.`].join("\n");
}

/** `stoactl connect discover`. */
export const DISCOVER_COMMAND: Command = {
  name: "discover",
  summary: "list the APIs of a gateway, straight from its admin API",
  usage: [
    "stoactl connect discover --admin-url URL [--type auto|kong|gravitee|webmethods]",
    "                         [--token T] [--user U --password P] [--workspace W]",
  ],
  description: [
    "Runs the agent's own discovery against a gateway's admin API; no agent or Control Plane is",
    "needed. Shows the detected type and version, then one row per API (name, paths, methods,",
    "backend, policies, active). The JSON output is exactly the list the agent reports to the",
    "Control Plane. Flags fall back on the agent's variables (environment, ./.env or --env-file):",
    "STOA_GATEWAY_ADMIN_URL, STOA_GATEWAY_TYPE, STOA_GATEWAY_ADMIN_TOKEN, STOA_GATEWAY_ADMIN_USER,",
    "STOA_GATEWAY_ADMIN_PASSWORD, STOA_KONG_WORKSPACE; secrets also as <NAME>_FILE.",
  ],
  options: [
    {
      name: "admin-url",
      type: "string",
      value: "URL",
      description: "gateway admin API, e.g. http://localhost:8001 (STOA_GATEWAY_ADMIN_URL)",
    },
    {
      name: "type",
      type: "string",
      value: "TYPE",
      description: `auto (default), kong, gravitee or webmethods (this build: ${
        SUPPORTED_TYPES.join(", ")
      })`,
    },
    {
      name: "token",
      type: "string",
      value: "T",
      description: "admin token, e.g. Kong-Admin-Token (default STOA_GATEWAY_ADMIN_TOKEN)",
    },
    {
      name: "user",
      type: "string",
      value: "U",
      description: "basic-auth user (default STOA_GATEWAY_ADMIN_USER)",
    },
    {
      name: "password",
      type: "string",
      value: "P",
      description: "basic-auth password (default STOA_GATEWAY_ADMIN_PASSWORD)",
    },
    {
      name: "workspace",
      type: "string",
      value: "W",
      description: "Kong Enterprise workspace (default STOA_KONG_WORKSPACE)",
    },
    {
      name: "organization",
      type: "string",
      value: "O",
      description: "Gravitee organisation (default STOA_GRAVITEE_ORGANIZATION, else DEFAULT)",
    },
    {
      name: "environment",
      type: "string",
      value: "E",
      description: "Gravitee environment (default STOA_GRAVITEE_ENVIRONMENT, else DEFAULT)",
    },
  ],
  examples: [
    {
      comment: "why does the agent report 0 APIs? ask the gateway directly",
      command: "stoactl connect discover --admin-url http://localhost:8001",
    },
    {
      comment:
        "the agent's own settings (STOA_GATEWAY_ADMIN_URL in ./.env), token from a file, as JSON",
      command:
        "STOA_GATEWAY_ADMIN_TOKEN_FILE=/run/kong.token stoactl connect discover --output json",
    },
  ],
  exitCodes: [
    { code: EXIT_OK, meaning: "the gateway was discovered (even with 0 APIs)" },
    {
      code: EXIT_FAILURE,
      meaning: "the admin API is unreachable, refuses the credentials or is not recognised",
    },
    {
      code: EXIT_USAGE,
      meaning: "usage error: no --admin-url, bad --type, a type this build does not support",
    },
  ],
  async run(context: CommandContext): Promise<number> {
    const { terminal, output } = context;
    const target = readTarget(context);
    const where = displayUrl(target.adminUrl);
    const progress = terminal.progress(`probing the gateway at ${where}`);
    let info: GatewayInfo;
    let apis: DiscoveredApiPayload[];
    try {
      const resolved = await resolveGateway({
        type: target.type,
        drivers: DRIVERS,
        settings: {
          adminUrl: target.adminUrl,
          token: target.token,
          user: target.user,
          password: target.password,
          kongWorkspace: target.workspace,
          graviteeOrganization: target.organization,
          graviteeEnvironment: target.environment,
        },
      });
      info = resolved.info;
      progress.update(`discovering APIs on ${info.type} ${info.version} at ${where}`);
      apis = (await resolved.adapter.discover()).map(toPayload);
    } catch (error) {
      const explained = explainGatewayFailure(error, target.adminUrl);
      throw failure(`${explained.message}\n${advice(explained.kind)}`, error);
    } finally {
      progress.stop();
    }
    if (output === "json") terminal.printJson(apis);
    else terminal.print(renderApis(info, target.adminUrl, apis, terminal.style));
    return EXIT_OK;
  },
};
