# typed: false
# frozen_string_literal: true

# Generated from a release's SHA256SUMS by scripts/update_formula.ts (stoa-platform/stoa-connect);
# the release workflow regenerates it for every version. Do not edit by hand.
class StoaConnect < Formula
  desc "Connects Kong, Gravitee or webMethods gateways to the STOA Control Plane"
  homepage "https://github.com/stoa-platform/stoa-connect"
  version "0.1.0"

  on_macos do
    on_arm do
      url "https://github.com/stoa-platform/stoa-connect/releases/download/v0.1.0/stoa-connect-0.1.0-aarch64-apple-darwin.tar.gz"
      sha256 "e6e88a8dc0cbbb29bf4adc3a32d9d7b73cdaefd4dbea14d5e1ce3ade86e57035"
    end

    on_intel do
      url "https://github.com/stoa-platform/stoa-connect/releases/download/v0.1.0/stoa-connect-0.1.0-x86_64-apple-darwin.tar.gz"
      sha256 "19f1d3b71ff3f944fd041826640e2184e20ea354349a24a1d64bd4b3fd94bdf5"
    end
  end

  on_linux do
    on_arm do
      url "https://github.com/stoa-platform/stoa-connect/releases/download/v0.1.0/stoa-connect-0.1.0-aarch64-unknown-linux-gnu.tar.gz"
      sha256 "4e9d8134b88f176a9cf31c6294714768532436ff5c7b8fd397033f567e2361a3"
    end

    on_intel do
      url "https://github.com/stoa-platform/stoa-connect/releases/download/v0.1.0/stoa-connect-0.1.0-x86_64-unknown-linux-gnu.tar.gz"
      sha256 "337df10ac888572b52b83102049294b8ffd0a51ccacf93a70863fb55d617c217"
    end
  end

  def install
    bin.install "stoa-connect", "stoactl"
  end

  test do
    assert_match version.to_s, shell_output("#{bin}/stoa-connect --version")
    assert_match version.to_s, shell_output("#{bin}/stoactl --version")
  end
end
