/**
 * Dockerfile and .dockerignore, checked by parsing: building the image needs Docker Hub, gcr.io and
 * Deno's servers, so the real build and run happen in CI (ci.yml job `image`,
 * packaging/smoke_test_image.sh). hadolint runs when installed.
 */

import assert from "node:assert/strict";
import { parse } from "yaml";
import { TARGETS } from "../../scripts/distribution.ts";
import { describe, notice, ROOT, run, which } from "./helpers.ts";

interface Instruction {
  /** Upper-case keyword, e.g. `FROM`. */
  keyword: string;
  /** Everything after the keyword, continuation lines joined. */
  args: string;
}

/** Splits a Dockerfile into instructions: comments dropped, `\` continuations joined. */
function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending = "";
  for (const raw of text.split("\n")) {
    const line = raw.trimEnd();
    if (pending === "" && (line.trim() === "" || line.trimStart().startsWith("#"))) continue;
    if (pending !== "" && line.trimStart().startsWith("#")) continue;
    if (line.endsWith("\\")) {
      pending += line.slice(0, -1) + " ";
      continue;
    }
    const full = (pending + line).trim();
    pending = "";
    const space = full.search(/\s/);
    instructions.push({
      keyword: full.slice(0, space).toUpperCase(),
      args: full.slice(space).trim(),
    });
  }
  return instructions;
}

/** Instructions grouped by stage (index 0 = before the first FROM). */
function stages(instructions: Instruction[]): Instruction[][] {
  const result: Instruction[][] = [[]];
  for (const instruction of instructions) {
    if (instruction.keyword === "FROM") result.push([]);
    result.at(-1)!.push(instruction);
  }
  return result;
}

function all(stage: Instruction[], keyword: string): string[] {
  return stage.filter((i) => i.keyword === keyword).map((i) => i.args);
}

async function dockerfile(): Promise<{ text: string; instructions: Instruction[] }> {
  const text = await Deno.readTextFile(`${ROOT}/Dockerfile`);
  return { text, instructions: parseDockerfile(text) };
}

Deno.test("Dockerfile: multi-stage, the official Deno image pinned to 2.x compiles", async () => {
  const { text, instructions } = await dockerfile();
  assert.match(text, /^# syntax=docker\/dockerfile:1\n/, "BuildKit parser directive first");
  const [globals, build, runtime, ...rest] = stages(instructions);
  assert.ok(build && runtime, "expected a build stage and a runtime stage");
  assert.deepEqual(rest, [], "exactly two stages");

  const denoVersion = /^DENO_VERSION=(\S+)$/.exec(all(globals, "ARG")[0] ?? "")?.[1];
  assert.match(
    denoVersion ?? "",
    /^2\.\d+\.\d+$/,
    "ARG DENO_VERSION must pin an exact 2.x release",
  );
  for (const workflow of ["ci.yml", "release.yml"]) {
    const doc = parse(await Deno.readTextFile(`${ROOT}/.github/workflows/${workflow}`));
    assert.equal(doc.env?.DENO_VERSION, denoVersion, `${workflow} env.DENO_VERSION`);
  }

  assert.equal(
    build[0].args,
    "--platform=$BUILDPLATFORM denoland/deno:${DENO_VERSION} AS build",
    "build on the builder's platform from the official image; cross-compile with --target",
  );
  const copies = all(build, "COPY").join("\n");
  for (const source of ["deno.json", "src/", "scripts/"]) {
    assert.ok(copies.includes(source), source);
  }
  const compile = all(build, "RUN").join("\n");
  assert.match(compile, /deno task compile --target "\$\{target\}"/);
  // TARGETARCH (BuildKit) → release target, for every Linux target the release builds.
  const mapping = Object.fromEntries(
    [...compile.matchAll(/(\w+)\) target=([\w-]+) ;;/g)].map((m) => [m[1], m[2]]),
  );
  assert.deepEqual(mapping, {
    amd64: "x86_64-unknown-linux-gnu",
    arm64: "aarch64-unknown-linux-gnu",
  });
  assert.deepEqual(
    Object.values(mapping).sort(),
    TARGETS.filter((t) => t.includes("linux")).sort(),
  );
});

Deno.test("Dockerfile: minimal non-root runtime with state volume, port, healthcheck", async () => {
  const [, , runtime] = stages((await dockerfile()).instructions);
  // The binaries are glibc builds (-unknown-linux-gnu): distroless/cc has glibc and CA certificates,
  // and no shell or package manager.
  assert.match(runtime[0].args, /^gcr\.io\/distroless\/cc-debian\d+:nonroot$/);

  const copies = all(runtime, "COPY");
  assert.ok(
    copies.includes("--from=build /out/bin/stoa-connect /out/bin/stoactl /usr/local/bin/"),
    copies.join("\n"),
  );
  const user = all(runtime, "USER");
  assert.deepEqual(user, ["65532:65532"], "numeric non-root user");
  assert.ok(
    copies.includes("--from=build --chown=65532:65532 /out/state /var/lib/stoa-connect"),
    "the state directory must belong to the runtime user",
  );
  assert.deepEqual(all(runtime, "ENV"), ["STOA_STATE_DIR=/var/lib/stoa-connect"]);
  assert.deepEqual(all(runtime, "VOLUME"), ['["/var/lib/stoa-connect"]']);
  assert.deepEqual(all(runtime, "EXPOSE"), ["8090"]);

  const [healthcheck] = all(runtime, "HEALTHCHECK");
  assert.match(healthcheck, /--interval=\d+s/);
  assert.match(healthcheck, /--timeout=\d+s/);
  assert.match(healthcheck, /CMD \["\/usr\/local\/bin\/stoa-connect", "healthcheck"\]$/);
  assert.deepEqual(all(runtime, "ENTRYPOINT"), ['["/usr/local/bin/stoa-connect"]']);
  assert.deepEqual(all(runtime, "CMD"), [], "docker run IMAGE must start the agent as is");

  // The guide runs `docker run -d --network host --env-file .env`: configuration, secrets included,
  // comes from the environment at run time and never from the image.
  for (const env of all(runtime, "ENV")) {
    assert.doesNotMatch(env, /KEY|TOKEN|PASSWORD|SECRET|CONTROL_PLANE_URL|ADMIN_URL/, env);
  }
});

Deno.test("Dockerfile: the state directory matches the systemd unit", async () => {
  const unit = await Deno.readTextFile(`${ROOT}/packaging/systemd/stoa-connect.service`);
  const [, , runtime] = stages((await dockerfile()).instructions);
  const dockerState = all(runtime, "ENV")[0].split("=")[1];
  assert.ok(unit.includes(`Environment=STOA_STATE_DIR=${dockerState}\n`));
});

Deno.test(".dockerignore: sends what the build copies, never .env files", async () => {
  const lines = (await Deno.readTextFile(`${ROOT}/.dockerignore`)).split("\n")
    .map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));
  assert.equal(lines[0], "*", "start from nothing");
  for (const kept of ["!deno.json", "!deno.lock", "!src/", "!scripts/"]) {
    assert.ok(lines.includes(kept), `${kept} missing`);
  }
  assert.ok(lines.includes("**/.env") && lines.includes("**/.env.*"), ".env files must stay out");
  assert.ok(!lines.some((l) => /^!.*\.env/.test(l)), "no .env file may be re-included");
});

Deno.test("Dockerfile: hadolint", async () => {
  const hadolint = await which("hadolint");
  if (hadolint === undefined) {
    notice(
      "hadolint is not installed here; CI lints the Dockerfile (hadolint-action) and builds and " +
        "runs the image (ci.yml job image, packaging/smoke_test_image.sh)",
    );
    return;
  }
  const result = await run(hadolint, { args: ["Dockerfile"] });
  assert.equal(result.code, 0, describe(result));
});
