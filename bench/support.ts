/**
 * Helpers shared by the benchmarks: peers started as separate processes (so the measured
 * process holds only the agent's work) and memory read from /proc.
 *
 * @module
 */

import { fileURLToPath } from "node:url";

/** Repository root. */
export const ROOT: string = fileURLToPath(new URL("../", import.meta.url));

/** A child process that printed `NAME=url` once ready. */
export interface Peer {
  /** Base URL it listens on. */
  readonly url: string;
  /** Process id. */
  readonly pid: number;
  /** Stops it and waits for it. */
  stop(): Promise<void>;
}

/** Starts `script` with `args` and waits for its `KEY=url` line on stdout. */
export async function startPeer(
  script: string,
  args: string[],
  key: string,
  permissions: string[] = ["--allow-net", "--allow-env"],
): Promise<Peer> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...permissions, `${ROOT}${script}`, ...args],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  while (!buffer.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${script} exited before printing ${key}`);
    buffer += value;
  }
  const line = buffer.split("\n").find((l) => l.startsWith(`${key}=`));
  if (!line) throw new Error(`${script} printed ${buffer.trim()} instead of ${key}=…`);
  // Keep draining stdout so the child never blocks on a full pipe.
  const drain = (async () => {
    while (!(await reader.read()).done) { /* discard */ }
  })();
  return {
    url: line.slice(key.length + 1).trim(),
    pid: child.pid,
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      await child.status;
      await drain.catch(() => {});
    },
  };
}

/** Resident and peak resident memory of a process in bytes (Linux /proc). */
export function memoryOf(pid: number | "self"): { rss: number; peak: number } {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const kib = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
  return { rss: kib("VmRSS"), peak: kib("VmHWM") };
}

/** `12.3 MB`. */
export function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** A free TCP port on loopback. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}
