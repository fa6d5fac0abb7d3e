#!/usr/bin/env bash
# Builds the tests' image c2d-test/busybox:1 from Debian's busybox-static, with no registry:
# a root file system of /bin/busybox and its applet links, imported with `docker import`.
# Idempotent: does nothing when the image is already on the engine.
set -euo pipefail
image="${1:-c2d-test/busybox:1}"
if docker image inspect "$image" > /dev/null 2>&1; then
  exit 0
fi
busybox=/bin/busybox
if [ ! -x "$busybox" ]; then
  echo "build-test-image: $busybox is missing; install busybox-static" >&2
  exit 1
fi
rootfs=$(mktemp -d)
trap 'rm -rf "$rootfs"' EXIT
mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/tmp" "$rootfs/data"
cp "$busybox" "$rootfs/bin/busybox"
for applet in $("$busybox" --list); do
  [ "$applet" = busybox ] || ln -s busybox "$rootfs/bin/$applet"
done
echo 'root:x:0:0:root:/root:/bin/sh' > "$rootfs/etc/passwd"
echo 'nobody:x:65534:65534:nobody:/nonexistent:/bin/sh' >> "$rootfs/etc/passwd"
echo 'root:x:0:' > "$rootfs/etc/group"
echo 'nogroup:x:65534:' >> "$rootfs/etc/group"
chmod 1777 "$rootfs/tmp"
tar -C "$rootfs" -c . | docker import -c 'ENV PATH=/bin' - "$image" > /dev/null
echo "build-test-image: imported $image"
