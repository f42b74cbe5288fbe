#!/usr/bin/env bash
# Makes the wasm toolchain available, and the tools the tests use.
#
#   scripts/setup-toolchain.sh          # check; as root on Debian, apt-get install what is missing
#
# Build toolchain, first match wins:
#   1. rustup's wasm32-unknown-unknown target (plain `cargo build --target wasm32-unknown-unknown`);
#   2. Debian's rustc-web + cargo-web + rust-web-src + lld-19: std is built for wasm32 from
#      source (-Zbuild-std), see scripts/build-wasm.sh.
# Test tools: chromium (browser tests) and wabt (wasm2wat, to check the SIMD instructions).
# wasm-opt is optional: the build uses npm's binaryen (a devDependency) or the system's.
set -euo pipefail

say() { printf 'setup-toolchain: %s\n' "$*" >&2; }

have_rustup_wasm() {
  command -v rustup >/dev/null 2>&1 &&
    rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown
}
have_debian_wasm() {
  [ -x /usr/bin/cargo ] && [ -x /usr/bin/rustc ] && command -v wasm-ld-19 >/dev/null 2>&1 &&
    [ -d /usr/lib/rustlib/src/rust/library/vendor ]
}

missing=()
if have_rustup_wasm; then
  say "wasm toolchain: rustup's wasm32-unknown-unknown target"
elif have_debian_wasm; then
  say "wasm toolchain: Debian rustc-web with std built from rust-web-src"
else
  missing+=(rustc-web cargo-web rust-web-src lld-19)
fi
[ -x "$(dirname "$0")/../node_modules/.bin/wasm-opt" ] || command -v wasm-opt >/dev/null 2>&1 || missing+=(binaryen)
command -v wasm2wat >/dev/null 2>&1 || missing+=(wabt)
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)

[ ${#missing[@]} -eq 0 ] && { say "all tools present"; exit 0; }

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  say "installing with apt-get: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }; then
    say "apt-get could not install ${missing[*]}"
  elif have_rustup_wasm || have_debian_wasm; then
    say "done"
    exit 0
  fi
fi

# Not root, not Debian, or the install did not give a toolchain: say exactly what is needed.
if have_rustup_wasm || have_debian_wasm; then
  say "missing: ${missing[*]} (Debian: apt-get install ${missing[*]}); building works without them, npm test needs wabt and chromium"
  exit 0
fi
cat >&2 <<MSG
setup-toolchain: no Rust toolchain that can build for wasm32-unknown-unknown was found.
Install one of:
  - rustup's target:   rustup target add wasm32-unknown-unknown
  - on Debian 12 (as root):
      apt-get update
      apt-get install -y rustc-web cargo-web rust-web-src lld-19 wabt chromium
Then run: npm install   (or: npm run build)
MSG
exit 1
