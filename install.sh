#!/bin/sh
# Installs stoa-connect and stoactl from a GitHub release.
#
#   curl -sSL https://get.gostoa.dev/connect | sh
#   wget -qO- https://get.gostoa.dev/connect | sh
#
# Environment:
#   STOA_CONNECT_VERSION       version to install, e.g. 0.1.0 (default: the latest release)
#   STOA_INSTALL_DIR           where to put the binaries (default: /usr/local/bin when writable,
#                              else ~/.local/bin)
#   STOA_CONNECT_DOWNLOAD_URL  base URL of release downloads (default: GitHub releases); files are
#                              fetched from <base>/v<version>/
#   STOA_CONNECT_LATEST_URL    URL that redirects to .../v<version> of the latest release
#                              (default: GitHub's releases/latest page)
#
# The archive is verified against the release's SHA256SUMS before anything is installed; on any
# failure the script exits non-zero and leaves the install directory as it was.
#
# Everything runs from main() at the very end, so a download cut short while piping into sh runs nothing.
set -eu

REPO="stoa-platform/stoa-connect"
BINARIES="stoa-connect stoactl"

say() {
  printf 'stoa-connect installer: %s\n' "$*"
}

fail() {
  printf 'stoa-connect installer: error: %s\n' "$*" >&2
  exit 1
}

# Removed on every exit: the download directory, and binaries staged in the install directory but not
# yet renamed into place.
tmp_dir=""
staging_dir=""
cleanup() {
  if [ -n "$tmp_dir" ]; then rm -rf "$tmp_dir"; fi
  if [ -n "$staging_dir" ]; then
    for bin in $BINARIES; do rm -f "${staging_dir}/.${bin}.new.$$"; done
  fi
}

# pick_downloader: print curl or wget, whichever is installed (curl preferred).
pick_downloader() {
  if command -v curl >/dev/null 2>&1; then
    echo curl
  elif command -v wget >/dev/null 2>&1; then
    echo wget
  else
    fail "neither curl nor wget is installed; install one of them and run this script again"
  fi
}

# download URL FILE: fetch URL into FILE, following redirects; non-zero on HTTP errors.
download() {
  if [ "$downloader" = curl ]; then
    curl --fail --silent --show-error --location --retry 3 --output "$2" "$1"
  else
    wget -q -O "$2" "$1"
  fi
}

# latest_version URL: print the version URL redirects to (…/tag/v1.2.3 → 1.2.3).
latest_version() {
  if [ "$downloader" = curl ]; then
    final_url=$(curl --fail --silent --show-error --location --retry 3 --output /dev/null \
      --write-out '%{url_effective}' "$1") || return 1
  else
    # wget -S prints every response's headers; the last Location is where the redirects end.
    final_url=$(wget -S -q -O /dev/null "$1" 2>&1 | sed -n 's/^ *[Ll]ocation: *//p' |
      tail -n 1 | tr -d '\r')
  fi
  tag=${final_url%/}
  tag=${tag##*/}
  case "$tag" in
    v*) is_version "${tag#v}" && printf '%s\n' "${tag#v}" ;;
    *) return 1 ;;
  esac
}

# is_version STRING: true for a release version such as 1.2.3 or 1.3.0-rc.1. It ends up in URLs and
# file names, so nothing else (slashes, spaces, quotes) gets through.
is_version() {
  case "$1" in
    *[!0-9A-Za-z.-]*) return 1 ;;
    [0-9]*.*) return 0 ;;
    *) return 1 ;;
  esac
}

# sha256 FILE: print FILE's SHA-256 in lowercase hex.
sha256() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d ' ' -f 1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d ' ' -f 1
  elif command -v openssl >/dev/null 2>&1; then
    openssl dgst -sha256 -r "$1" | cut -d ' ' -f 1
  else
    fail "no SHA-256 tool found (sha256sum, shasum or openssl); install one so the download can be verified"
  fi
}

# detect_target: print the release target of this machine, e.g. aarch64-apple-darwin.
detect_target() {
  os=$(uname -s)
  arch=$(uname -m)
  case "$os" in
    Linux)
      # The binaries link against glibc; on musl systems (Alpine) they cannot start.
      for loader in /lib/ld-musl-*; do
        if [ -e "$loader" ]; then
          fail "this Linux uses musl libc (e.g. Alpine), which the binaries do not support; run the Docker image ghcr.io/${REPO} instead"
        fi
      done
      os_part="unknown-linux-gnu"
      ;;
    Darwin)
      os_part="apple-darwin"
      # A shell running under Rosetta reports x86_64 on Apple silicon; prefer the native binary.
      if [ "$arch" = x86_64 ] && [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || true)" = 1 ]; then
        arch=arm64
      fi
      ;;
    MINGW* | MSYS* | CYGWIN* | Windows_NT)
      fail "Windows is not supported by this script; download stoa-connect-<version>-x86_64-pc-windows-msvc.zip from https://github.com/${REPO}/releases"
      ;;
    *)
      fail "unsupported operating system: $os (supported: Linux and macOS)"
      ;;
  esac
  case "$arch" in
    x86_64 | amd64) arch_part="x86_64" ;;
    aarch64 | arm64) arch_part="aarch64" ;;
    *) fail "unsupported architecture: $arch on $os (supported: x86_64 and aarch64/arm64)" ;;
  esac
  echo "${arch_part}-${os_part}"
}

# choose_install_dir: print STOA_INSTALL_DIR, or /usr/local/bin when writable, or ~/.local/bin.
choose_install_dir() {
  if [ -n "${STOA_INSTALL_DIR:-}" ]; then
    echo "$STOA_INSTALL_DIR"
  elif [ -w /usr/local/bin ]; then
    echo /usr/local/bin
  elif [ -n "${HOME:-}" ]; then
    echo "$HOME/.local/bin"
  else
    fail "HOME is not set; set STOA_INSTALL_DIR to choose where to install"
  fi
}

main() {
  download_url="${STOA_CONNECT_DOWNLOAD_URL:-https://github.com/${REPO}/releases/download}"
  latest_url="${STOA_CONNECT_LATEST_URL:-https://github.com/${REPO}/releases/latest}"
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  downloader=$(pick_downloader)
  target=$(detect_target)

  version="${STOA_CONNECT_VERSION:-}"
  version="${version#v}"
  if [ -z "$version" ]; then
    version=$(latest_version "$latest_url") ||
      fail "could not find the latest release from ${latest_url}; set STOA_CONNECT_VERSION (e.g. STOA_CONNECT_VERSION=0.1.0) and run again"
  fi

  is_version "$version" ||
    fail "\"${version}\" is not a version like 0.1.0; set STOA_CONNECT_VERSION to one, or leave it unset for the latest release"

  install_dir=$(choose_install_dir)
  # Fail before downloading when the directory exists but is read-only; a missing one is created only
  # once the download is verified, so a failed run creates nothing.
  if [ -e "$install_dir" ] && ! [ -w "$install_dir" ]; then
    fail "${install_dir} is not writable; re-run with sudo, or set STOA_INSTALL_DIR to a directory you can write"
  fi

  archive="stoa-connect-${version}-${target}.tar.gz"
  base="${download_url%/}/v${version}"
  tmp_dir=$(mktemp -d "${TMPDIR:-/tmp}/stoa-connect-install.XXXXXX") ||
    fail "cannot create a temporary directory; set TMPDIR to a writable directory"

  say "installing stoa-connect ${version} for ${target} into ${install_dir}"
  download "${base}/${archive}" "${tmp_dir}/${archive}" ||
    fail "download of ${base}/${archive} failed; check that release v${version} exists and has a ${target} archive (https://github.com/${REPO}/releases); nothing was installed"
  download "${base}/SHA256SUMS" "${tmp_dir}/SHA256SUMS" ||
    fail "download of ${base}/SHA256SUMS failed, so the archive cannot be verified; nothing was installed"

  # The name must equal the whole second field (text "  name" or binary " *name" form of sha256sum).
  expected=$(awk -v f="$archive" '$2 == f || $2 == "*" f { print tolower($1); exit }' "${tmp_dir}/SHA256SUMS")
  [ -n "$expected" ] ||
    fail "SHA256SUMS of v${version} has no checksum for ${archive}, so it cannot be verified; nothing was installed"
  actual=$(sha256 "${tmp_dir}/${archive}")
  [ "$expected" = "$actual" ] ||
    fail "checksum mismatch for ${archive} (expected ${expected}, got ${actual}): the download is corrupt or was tampered with; nothing was installed"

  mkdir "${tmp_dir}/unpacked"
  tar -xzf "${tmp_dir}/${archive}" -C "${tmp_dir}/unpacked" ||
    fail "cannot unpack ${archive}; nothing was installed"
  for bin in $BINARIES; do
    [ -f "${tmp_dir}/unpacked/${bin}" ] || fail "${archive} does not contain ${bin}; nothing was installed"
  done

  mkdir -p "$install_dir" 2>/dev/null ||
    fail "cannot create ${install_dir}; set STOA_INSTALL_DIR to a directory you can write; nothing was installed"

  # Stage both binaries next to their destination, then rename: each is replaced atomically, and a
  # failed copy never leaves a half-written program or a mixed pair of versions behind.
  staging_dir="$install_dir"
  for bin in $BINARIES; do
    new="${install_dir}/.${bin}.new.$$"
    { cp "${tmp_dir}/unpacked/${bin}" "$new" && chmod 0755 "$new"; } ||
      fail "cannot write to ${install_dir}; nothing was installed"
  done
  for bin in $BINARIES; do
    mv -f "${install_dir}/.${bin}.new.$$" "${install_dir}/${bin}" ||
      fail "cannot move ${bin} into ${install_dir}"
  done

  installed=$("${install_dir}/stoa-connect" --version 2>/dev/null) || installed="stoa-connect ${version}"
  say "installed ${installed} and stoactl into ${install_dir}"
  case ":${PATH:-}:" in
    *":${install_dir}:"*) ;;
    *)
      say "${install_dir} is not on your PATH; add it, for example:"
      say "  echo 'export PATH=\"${install_dir}:\$PATH\"' >> ~/.profile && . ~/.profile"
      ;;
  esac
  say "next: set STOA_CONTROL_PLANE_URL, STOA_GATEWAY_API_KEY and STOA_GATEWAY_ADMIN_URL, then run stoa-connect"
}

main "$@"
