#!/bin/sh
# Unpacks msgpack-cxx (header-only; Debian's libmsgpack-cxx-dev) into <repo>/third/msgpack.
# The package cannot be apt-installed next to Boost 1.81 (it depends on libboost-dev = 1.74), but its
# headers work with 1.81, so we take the .deb and extract it without installing (docs: stack.md §1).
# Idempotent; needs apt (runs `apt-get update` once if the package lists lack it and we are root).
set -eu

repo=$(cd "$(dirname "$0")/.." && pwd)
dest="$repo/third/msgpack"
if [ -f "$dest/usr/include/msgpack.hpp" ]; then
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# apt-get download drops privileges to _apt when it can; let that user write here (else it only warns).
if id _apt >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  chown _apt "$tmp" 2>/dev/null || true
fi

download() { (cd "$tmp" && apt-get download -q libmsgpack-cxx-dev); }
if ! download; then
  if [ "$(id -u)" = 0 ]; then
    echo "fetch-msgpack: refreshing the apt package lists and retrying" >&2
    apt-get update -q >/dev/null
    download
  else
    echo "fetch-msgpack: 'apt-get download libmsgpack-cxx-dev' failed; run 'apt-get update' (as root) first" >&2
    exit 1
  fi
fi

deb=$(ls "$tmp"/libmsgpack-cxx-dev_*.deb)
rm -rf "$dest.partial"
mkdir -p "$dest.partial"
dpkg-deb -x "$deb" "$dest.partial"
test -f "$dest.partial/usr/include/msgpack.hpp"
rm -rf "$dest"
mv "$dest.partial" "$dest"
echo "fetch-msgpack: msgpack-cxx $(basename "$deb" .deb | cut -d_ -f2) unpacked into $dest"
