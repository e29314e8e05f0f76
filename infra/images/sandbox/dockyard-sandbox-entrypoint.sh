#!/bin/bash
# Entrypoint of the sandbox (runs under tini): make cgroups writable for the inner daemon, write its
# daemon.json, then run dockerd until `docker stop`. Its messages go to /var/log/dockyard-sandbox.log,
# dockerd's to /var/log/dockerd.log (the sandbox's own 32m tmpfs, counted against its memory).

# First, as PID 1: let go of the container's stdout/stderr. Whatever holds them lets root in the
# sandbox write into the outer daemon's json log (`yes > /proc/1/fd/1`), which costs that daemon CPU
# outside the sandbox's limits. So every process here, tini first, writes to a file in the sandbox
# instead; `docker logs` keeps only this first line. A command (`docker run -it … bash`) keeps its terminal.
if [ "$$" = 1 ] && { [ "$#" = 0 ] || [ "${1:0:1}" = '-' ]; }; then
  log=/var/log/dockyard-sandbox.log
  echo "dockyard-sandbox: messages in $log and /var/log/dockerd.log inside the sandbox"
  if true 2>/dev/null >>"$log"; then exec </dev/null >>"$log" 2>&1; else exec </dev/null >/dev/null 2>&1; fi
  exec /usr/bin/tini -- /usr/local/bin/dockyard-sandbox-entrypoint "$@"
fi
if [ "$$" = 1 ]; then
  exec /usr/bin/tini -- /usr/local/bin/dockyard-sandbox-entrypoint "$@"
fi
set -euo pipefail

# Never fails: a learner may fill /var/log, and `say` runs in the stop path too.
say() { echo "dockyard-sandbox: $*" 2>/dev/null || true; }

# cgroup v1 (this platform): the hierarchies are mounted read-only in the container. With a private
# cgroup namespace, unmounting each and mounting it again gives a writable hierarchy rooted at the
# sandbox's own cgroup, so inner containers nest inside the sandbox's limits.
remount_cgroup_v1() {
  if grep -qv ':/$' /proc/self/cgroup; then
    say "warning: not in a private cgroup namespace (run with --cgroupns private); cgroups left read-only"
    return 0
  fi
  local count=0 mount_point opts
  # mountinfo: ID PARENT DEV ROOT MOUNT_POINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPER_OPTS;
  # SUPER_OPTS name the hierarchy ("rw,cpu", "rw,name=systemd"): keep them but rw/ro.
  while read -r mount_point opts; do
    if umount "$mount_point" && mount -t cgroup -o "nosuid,nodev,noexec,$opts" cgroup "$mount_point"; then
      count=$((count + 1))
    else
      say "warning: could not remount $mount_point ($opts)"
    fi
  done < <(awk '{
    for (i = 7; i <= NF && $i != "-"; i++) ;
    if ($(i + 1) != "cgroup" || $5 !~ "^/sys/fs/cgroup/") next
    n = split($(i + 3), o, ","); opts = ""
    for (j = 1; j <= n; j++) if (o[j] != "rw" && o[j] != "ro") opts = opts (opts == "" ? "" : ",") o[j]
    print $5, (opts == "" ? "none" : opts)
  }' /proc/self/mountinfo)
  say "cgroup v1: remounted $count hierarchies"
}

# cgroup v2 (other hosts): move our processes into a leaf and delegate the controllers, as the
# docker:dind image does. Best effort: never stops the sandbox from starting.
prepare_cgroup_v2() {
  if [ ! -w /sys/fs/cgroup ]; then
    mount -o remount,rw /sys/fs/cgroup 2>/dev/null || say "warning: /sys/fs/cgroup is read-only"
  fi
  {
    mkdir -p /sys/fs/cgroup/init &&
      xargs -rn1 </sys/fs/cgroup/cgroup.procs >/sys/fs/cgroup/init/cgroup.procs 2>/dev/null || :
    sed -e 's/ / +/g' -e 's/^/+/' </sys/fs/cgroup/cgroup.controllers >/sys/fs/cgroup/cgroup.subtree_control
  } 2>/dev/null && say "cgroup v2: controllers delegated" || say "warning: cgroup v2 delegation failed"
}

if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  prepare_cgroup_v2
else
  remount_cgroup_v1
fi

# /root lives on the sandbox's own disk: the first start (the seed's) fills it with the image's files.
if [ ! -e /root/.bashrc ] && [ -d /etc/dockyard/root-skel ]; then
  cp -a /etc/dockyard/root-skel/. /root/ || say "warning: could not fill /root"
fi

if [ "$(stat -f -c %T /var/lib/docker 2>/dev/null || echo missing)" = overlayfs ]; then
  say "warning: /var/lib/docker is not a volume (overlay on overlay): mount a volume there"
fi

# The inner daemon's networks must not overlap the host's Docker networks (172.17-31.x, and
# host-gateway is 172.17.0.1), or the mirror and the host would be unreachable from inside.
mirror="${DOCKYARD_REGISTRY_MIRROR-mirror.dockyard:5000}"
bip="${DOCKYARD_DOCKERD_BIP:-10.213.0.1/24}"
pool="${DOCKYARD_DOCKERD_POOL:-10.214.0.0/16}"
mkdir -p /etc/docker
{
  echo '{'
  if [ -n "$mirror" ]; then
    echo "  \"registry-mirrors\": [\"http://$mirror\"],"
    echo "  \"insecure-registries\": [\"$mirror\"],"
  fi
  echo "  \"bip\": \"$bip\","
  echo "  \"default-address-pools\": [{ \"base\": \"$pool\", \"size\": 24 }],"
  echo '  "log-driver": "json-file",'
  echo '  "log-opts": { "max-size": "10m", "max-file": "2" }'
  echo '}'
} >/etc/docker/daemon.json
say "daemon.json: mirror ${mirror:-none}, bip $bip, pool $pool"

rm -f /var/run/docker.pid /var/run/docker/containerd/containerd.pid
if [ "$#" -gt 0 ] && [ "${1:0:1}" != '-' ]; then
  exec "$@" # e.g. `docker run ... dockyard/sandbox bash` to look around
fi
say "starting dockerd${*:+ $*} (log: /var/log/dockerd.log)"
dockerd "$@" >>/var/log/dockerd.log 2>&1 &
dockerd_pid=$!

# `docker stop` (SIGTERM, passed on by tini): stop the inner containers with a short timeout first,
# so that dockerd's own shutdown (which gives each container its full stop timeout, 10 s by default)
# ends well within the outer stop timeout and leaves a clean data root.
stop_timeout="${DOCKYARD_INNER_STOP_TIMEOUT:-3}"
stop_sandbox() {
  trap '' TERM INT
  local ids
  ids=$(timeout 5 docker ps -q 2>/dev/null || true)
  if [ -n "$ids" ]; then
    say "stopping $(wc -w <<<"$ids") inner container(s) (${stop_timeout} s timeout)"
    # shellcheck disable=SC2086
    timeout $((stop_timeout + 5)) docker stop -t "$stop_timeout" $ids >/dev/null 2>&1 || true
  fi
  say "stopping dockerd"
  kill -TERM "$dockerd_pid" 2>/dev/null || true
}
trap stop_sandbox TERM INT

status=0
while kill -0 "$dockerd_pid" 2>/dev/null; do
  wait "$dockerd_pid" && status=0 || status=$?
done
say "dockerd exited ($status)"
exit "$status"
