#!/usr/bin/env bash
# Builds the real algorithm images the tests run (no registry is reachable here), once per machine:
#   c2d-algo/python:1   a minimal Debian root (debootstrap, minbase) with Debian's python3, numpy,
#                       pandas, scikit-learn and matplotlib
#   c2d-algo/node:1     a minimal Debian root with Debian's nodejs
#   c2d-algo/noshell:1  one static binary (noshell.c, gcc -static) and nothing else: no /bin/sh
# Each is imported with `docker import` (working directory /, as Ocean's published images) and its
# root file system is kept under $C2D_ALGO_IMAGES_HOME/rootfs/<name> for the embedded backend's
# bubblewrap sandbox. An image whose Docker image and root directory match the stamp is skipped;
# the Kubernetes node's kubelet uses the same Docker engine, so it sees the images too.
# A first build takes minutes (the Python root is the long part), a cached one about a second.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
home=${C2D_ALGO_IMAGES_HOME:-/opt/c2d-algo-images}
mkdir -p "$home/rootfs" "$home/debs" "$home/logs"
mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[ -n "$mirror" ] || mirror=$(awk '$1=="deb"{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
path_env='ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

need() { # tool package
  command -v "$1" > /dev/null 2>&1 && return
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q > /dev/null
  apt-get install -y -q "$2" > /dev/null
}

cached() { # name image
  local stamp="$home/$1.stamp" id
  id=$(docker image inspect --format '{{.Id}}' "$2" 2>/dev/null) || return 1
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$id" ] && [ -d "$home/rootfs/$1/data" ]
}

import() { # name image root
  tar --numeric-owner -C "$3" -c . \
    | docker import -c 'WORKDIR /' -c "$path_env" -m "c2d algorithm image $1" - "$2" > /dev/null
  docker image inspect --format '{{.Id}}' "$2" > "$home/$1.stamp"
}

debian() { # name image packages
  local name=$1 image=$2 packages=$3 root="$home/rootfs/$1"
  cached "$name" "$image" && { echo "$image: cached"; return; }
  need debootstrap debootstrap
  local start=$SECONDS
  rm -rf "$root.new"
  echo "$image: debootstrap bookworm minbase + $packages (log: $home/logs/$name.log)"
  debootstrap --variant=minbase --include="$packages" --cache-dir="$home/debs" \
    bookworm "$root.new" "$mirror" > "$home/logs/$name.log" 2>&1 \
    || { tail -n 20 "$home/logs/$name.log" >&2; exit 1; }
  # no package caches or lists in the image; the sandbox's mount points exist
  rm -rf "$root.new"/var/cache/apt/archives/*.deb "$root.new"/var/lib/apt/lists/*
  mkdir -p "$root.new"/{data,tmp,proc,dev,sys}
  rm -rf "$root" && mv "$root.new" "$root"
  import "$name" "$image" "$root"
  echo "$image: built in $((SECONDS - start)) s, $(du -sh "$root" | cut -f1)"
}

noshell() {
  local image=c2d-algo/noshell:1 root="$home/rootfs/noshell"
  cached noshell "$image" && { echo "$image: cached"; return; }
  need gcc gcc
  rm -rf "$root" && mkdir -p "$root"/{data,tmp,proc,dev,sys}
  gcc -O2 -static -o "$root/noshell" "$here/noshell.c"
  strip "$root/noshell"
  import noshell "$image" "$root"
  echo "$image: built"
}

noshell
debian node c2d-algo/node:1 nodejs
debian python c2d-algo/python:1 python3,python3-numpy,python3-pandas,python3-sklearn,python3-matplotlib
