/**
 * Command-line plumbing shared by the runnable emulator entries (`kong_emulator_server.ts`,
 * `gravitee_emulator_server.ts`, `webmethods_emulator_server.ts`): integer flags, the usage
 * message on a bad command line, and serving until SIGTERM or SIGINT while printing the one
 * `NAME_URL=…` line callers wait for.
 *
 * @example
 * ```ts
 * const args = parseCommandLineOrExit({ args: Deno.args, parse: parseServerArgs, usage: USAGE });
 * await serveUntilSignalled({ emulator, port: args.port, urlVariable: "KONG_EMULATOR_URL" });
 * ```
 *
 * @module
 */

/** Options of {@linkcode parseIntegerFlag}. */
export interface IntegerFlagOptions {
  /** Flag name without the leading dashes, for the error message. */
  readonly name: string;
  /** Value as given on the command line. */
  readonly value: string;
  /** Largest accepted value (the smallest is 0). */
  readonly max: number;
}

/** Parses a non-negative decimal integer flag; throws an error naming the flag otherwise. */
export function parseIntegerFlag(options: IntegerFlagOptions): number {
  const { name, value, max } = options;
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || parsed > max) {
    throw new Error(`--${name} must be an integer between 0 and ${max}, got '${value}'`);
  }
  return parsed;
}

/** Options of {@linkcode parseCommandLineOrExit}. */
export interface CommandLineOptions<T> {
  /** The command line, usually `Deno.args`. */
  readonly args: readonly string[];
  /** Parses and checks it; throws an error naming the bad option. */
  readonly parse: (args: readonly string[]) => T;
  /** Usage line printed after the error. */
  readonly usage: string;
}

/** Parses the command line, or prints the error and the usage on stderr and exits with code 2. */
export function parseCommandLineOrExit<T>(options: CommandLineOptions<T>): T {
  try {
    return options.parse(options.args);
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : error}\n${options.usage}`);
    Deno.exit(2);
  }
}

/** What {@linkcode serveUntilSignalled} needs of an emulator. */
export interface ServableEmulator {
  /** Starts listening and returns the base URL. */
  start(options: { readonly port?: number }): Promise<string>;
  /** Stops listening. */
  stop(): Promise<void>;
}

/** Options of {@linkcode serveUntilSignalled}. */
export interface ServeOptions {
  /** The emulator to run. */
  readonly emulator: ServableEmulator;
  /** Port to listen on (0 = any free port). */
  readonly port: number;
  /** Name of the printed variable, e.g. `KONG_EMULATOR_URL`. */
  readonly urlVariable: string;
}

/**
 * Starts the emulator, prints exactly one line `<urlVariable>=<url>` on stdout, waits for
 * SIGTERM or SIGINT, then stops the emulator.
 */
export async function serveUntilSignalled(options: ServeOptions): Promise<void> {
  const url = await options.emulator.start({ port: options.port });
  const signals: readonly Deno.Signal[] = ["SIGTERM", "SIGINT"];
  const { promise: stopped, resolve: stop } = Promise.withResolvers<void>();
  for (const signal of signals) Deno.addSignalListener(signal, stop);
  console.log(`${options.urlVariable}=${url}`);
  await stopped;
  for (const signal of signals) Deno.removeSignalListener(signal, stop);
  await options.emulator.stop();
}
