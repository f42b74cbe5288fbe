#!/usr/bin/env bash
# Builds crate/ for wasm32-unknown-unknown with SIMD128 and writes dist/kanwasm.wasm, the
# module the package ships, then .tmp/kanwasm-bench.wasm, the same core with the exports that
# only benchmarks and tests call (cargo feature `bench`: the SIMD peak probe, the forward-
# kernel timer, the sparse basis, the kernels' parity checks). The budget holds for the first.
#
#   scripts/build-wasm.sh          # all three
#   scripts/build-wasm.sh mt       # the threaded module alone
#
# A third build, dist/kanwasm-mt.wasm, is the threaded module that `threads` above 1 loads
# (crate::par): atomics in the core and in std (built from source, as below, on either
# toolchain), its memory shared and imported (env.memory, up to 4 GiB), and the globals and
# function a worker instance needs to set up its own stack and thread-local block exported.
#
# Uses rustup's wasm32 target when installed; otherwise Debian's rustc-web, building std
# for wasm32 from its source (the first build takes about 1.5 minutes, cargo caches it).
# The crate optimises its cold paths for size (`#[optimize(size)]`, a nightly attribute,
# hence RUSTC_BOOTSTRAP); with std built from source, panics abort without formatting a
# message (`panic=immediate-abort`). Both keep the module within its byte budget
# (bench/budget.mjs), as do wasm-opt's merging of functions that differ only in constants
# and its dropping of the toolchain's metadata sections (producers, target features); a
# panic is a trap either way and reaches users as KanError INTERNAL.
#
# wasm-opt comes from the npm package `binaryen` (a devDependency, pinned; it runs on Node
# and needs no network), else from the system (Debian's binaryen 108, whose output is about
# 1.5 KB larger, so it also repeats its passes until the size stops falling: --converge;
# version 132 grows with that option). With npm's binaryen, scripts/top-test-loops.mjs first
# moves the exit test of the forward kernel's wide blocks to the top of their loops, and
# wasm-opt leaves those blocks as functions of their own; both keep V8 from spilling their
# accumulators (see win_big in crate/src/kernels/wasm/forward.rs). The backward pass's d/dx kernel
# (dx_window) stays a function of its own too: inlined into its caller's nested loops, it
# ran about 3% slower. The B-spline window on uneven knots and its knot padding
# (eval_padded, pad_knots; #[inline(never)] for LLVM) stay out of line as they were while a
# benchmark-only export also called them: the layer's basis pass, now their one caller in
# the release module, keeps the form it was measured in.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root/crate"
target=wasm32-unknown-unknown
out="$root/dist/kanwasm.wasm"

# The threaded build's flags: atomics, and a shared, imported memory whose workers set up
# their own stack (__stack_pointer) and thread-local block (__wasm_init_tls).
MT_FLAGS="-C target-feature=+atomics,+bulk-memory,+mutable-globals"
for a in --shared-memory --import-memory --export-memory --max-memory=4294967296 --export=__wasm_init_tls \
  --export=__tls_size --export=__tls_align --export=__stack_pointer; do
  MT_FLAGS="$MT_FLAGS -C link-arg=$a"
done

# build FEATURES OUT [mt]: compiles the crate with the cargo features FEATURES (may be
# empty), threaded when the third argument is "mt" (in a target directory of its own, so
# the two builds do not rebuild std for each other), then optimises the module into OUT.
build() {
  local features=(${1:+--features "$1"}) out="$2" mt="${3:-}"
  local flags="-C target-feature=+simd128" tdir="$root/crate/target"
  [ -n "$mt" ] && flags="$flags $MT_FLAGS" && tdir="$root/crate/target/mt"
  if command -v rustup >/dev/null 2>&1 &&
    rustup target list --installed 2>/dev/null | grep -qx "$target"; then
    if [ -n "$mt" ]; then
      # rustup's std for wasm32 has no atomics: rebuilt from rust-src (nightly flags)
      RUSTC_BOOTSTRAP=1 RUSTFLAGS="$flags" cargo build --release --offline --target "$target" "${features[@]}" \
        --target-dir "$tdir" -Zbuild-std=std,panic_abort
    else
      RUSTC_BOOTSTRAP=1 RUSTFLAGS="$flags" cargo build --release --offline --target "$target" "${features[@]}"
    fi
  elif [ -x /usr/bin/cargo ] && command -v wasm-ld-19 >/dev/null 2>&1 &&
    [ -d /usr/lib/rustlib/src/rust/library/vendor ]; then
    # rustup's proxies in ~/.cargo/bin would shadow Debian's 1.96 compiler.
    PATH=/usr/bin:$PATH RUSTC_BOOTSTRAP=1 \
      RUSTFLAGS="$flags -C linker=wasm-ld-19 -Zunstable-options -C panic=immediate-abort" \
      cargo build --release --offline --target "$target" "${features[@]}" --target-dir "$tdir" \
      -Zbuild-std=std,panic_abort \
      --config 'source.crates-io.replace-with="rust-library-vendor"' \
      --config 'source.rust-library-vendor.directory="/usr/lib/rustlib/src/rust/library/vendor"'
  else
    echo "build-wasm: no wasm32 toolchain; run scripts/setup-toolchain.sh (it names what to install)" >&2
    exit 1
  fi

  mkdir -p "$(dirname "$out")"
  local built="$tdir/$target/release/kanwasm_core.wasm"
  local wasm_opt=(wasm-opt --converge)
  if [ -f "$root/node_modules/binaryen/package.json" ]; then
    KW_ATOMICS="$mt" node "$root/scripts/top-test-loops.mjs" "$built" "$built.top" 'win_big_f(32|64)'
    built="$built.top"
    wasm_opt=("$root/node_modules/.bin/wasm-opt" --no-inline='*win_big*' --no-inline='*dx_window*' --no-inline='*eval_padded*' --no-inline='*pad_knots*')
  else
    echo "build-wasm: npm's binaryen is missing (run npm ci); the forward kernel keeps a slower loop form" >&2
  fi
  if command -v "${wasm_opt[0]}" >/dev/null 2>&1 &&
    "${wasm_opt[@]}" -O3 --merge-similar-functions --strip-producers --strip-target-features \
      --enable-simd --enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int \
      --enable-mutable-globals --enable-multivalue --enable-reference-types ${mt:+--enable-threads} "$built" -o "$out.tmp"; then
    mv "$out.tmp" "$out"
  else
    rm -f "$out.tmp"
    echo "build-wasm: wasm-opt not available or failed; shipping the unoptimised module" >&2
    cp "$built" "$out"
  fi
  echo "build-wasm: $(wc -c <"$out") bytes -> ${out#"$root"/}" >&2
}

if [ "${1:-}" != mt ]; then
  build "" "$out"
  build bench "$root/.tmp/kanwasm-bench.wasm"
fi
build "" "$root/dist/kanwasm-mt.wasm" mt
