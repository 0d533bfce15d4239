# syntax=docker/dockerfile:1
#
# stoa-connect container image: ghcr.io/stoa-platform/stoa-connect
#
#   docker build -t stoa-connect .                                   # this machine's architecture
#   docker buildx build --platform linux/amd64,linux/arm64 -t ... .  # what the release workflow does
#   docker run -d --name stoa-connect --network host --env-file .env ghcr.io/stoa-platform/stoa-connect
#
# The build stage needs to reach npm and Deno's download servers (deno compile fetches the runtime).

# Keep in step with deno-version in .github/workflows/*.yml (tests/distribution checks it).
ARG DENO_VERSION=2.9.6

# ---- build: the official Deno image compiles both binaries ------------------------------------------------
# It runs on the builder's own platform and cross-compiles for the image's (deno compile --target), so a
# multi-arch build needs no CPU emulation.
FROM --platform=$BUILDPLATFORM denoland/deno:${DENO_VERSION} AS build
# Set by BuildKit (the default builder since Docker 23) to the architecture of the image being built.
ARG TARGETARCH
WORKDIR /src
COPY deno.json deno.lock* ./
COPY src/ src/
COPY scripts/ scripts/
# scripts/compile.ts holds the permission flags compiled into the binaries (the same for every channel).
RUN case "${TARGETARCH}" in \
      amd64) target=x86_64-unknown-linux-gnu ;; \
      arm64) target=aarch64-unknown-linux-gnu ;; \
      *) echo "unsupported TARGETARCH '${TARGETARCH}': build with BuildKit for linux/amd64 or linux/arm64" >&2; exit 1 ;; \
    esac \
 && deno task compile --target "${target}" --out-dir /out \
 && mkdir -p /out/bin /out/state \
 && cp "/out/${target}/stoa-connect" "/out/${target}/stoactl" /out/bin/

# ---- runtime: glibc, CA certificates and a non-root user, nothing else (no shell, no package manager) -----
FROM gcr.io/distroless/cc-debian12:nonroot
LABEL org.opencontainers.image.title="stoa-connect" \
      org.opencontainers.image.description="Connects Kong, Gravitee or webMethods gateways to the STOA Control Plane" \
      org.opencontainers.image.source="https://github.com/stoa-platform/stoa-connect"
COPY --from=build /out/bin/stoa-connect /out/bin/stoactl /usr/local/bin/
# The state directory must belong to the runtime user, or the agent could not write to a fresh volume.
COPY --from=build --chown=65532:65532 /out/state /var/lib/stoa-connect
ENV STOA_STATE_DIR=/var/lib/stoa-connect
# distroless "nonroot" (uid 65532); numeric so Kubernetes runAsNonRoot can verify it.
USER 65532:65532
EXPOSE 8090
VOLUME ["/var/lib/stoa-connect"]
# The image has no shell or curl: the binary asks its own local server for /livez (port STOA_CONNECT_PORT,
# default 8090, which the check inherits from the container environment).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/usr/local/bin/stoa-connect", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/stoa-connect"]
