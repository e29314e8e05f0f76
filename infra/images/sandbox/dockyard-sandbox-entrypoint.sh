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
# cgroup namespace, unmounting them and mounting them again gives writable hierarchies rooted at the
# sandbox's own cgroup, so inner containers nest inside the sandbox's limits. In two processes (one
# umount, one mount of them all): every process costs a start ~5 ms here, on the way to dockerd.
remount_cgroup_v1() {
  local line private=yes
  while IFS= read -r line; do [[ $line == *:/ ]] || private=no; done </proc/self/cgroup
  if [ "$private" = no ]; then
    say "warning: not in a private cgroup namespace (run with --cgroupns private); cgroups left read-only"
    return 0
  fi
  # mountinfo: ID PARENT DEV ROOT MOUNT_POINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPER_OPTS;
  # SUPER_OPTS name the hierarchy ("rw,cpu", "rw,name=systemd"): keep them but rw/ro.
  local fstab=/run/dockyard-cgroups.fstab count=0 fields i opt opts super
  : >"$fstab"
  while read -ra fields; do
    for ((i = 6; i < ${#fields[@]}; i++)); do
      if [ "${fields[i]}" = - ]; then break; fi
    done
    [ "${fields[i + 1]-}" = cgroup ] && [[ ${fields[4]} == /sys/fs/cgroup/* ]] || continue
    opts=nosuid,nodev,noexec
    IFS=, read -ra super <<<"${fields[i + 3]-}"
    for opt in "${super[@]}"; do [ "$opt" = rw ] || [ "$opt" = ro ] || opts+=",$opt"; done
    echo "cgroup ${fields[4]} cgroup $opts 0 0" >>"$fstab"
    count=$((count + 1))
  done </proc/self/mountinfo
  [ "$count" -gt 0 ] || return 0
  umount -a -t cgroup || say "warning: could not unmount every cgroup hierarchy"
  mount -a -T "$fstab" || say "warning: could not mount every cgroup hierarchy again (see $fstab)"
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

# A mount point of its own (the engine's XFS clone, or a volume), not the container's overlay.
docker_volume=no
while read -r _ _ _ _ mount_point _; do
  if [ "$mount_point" = /var/lib/docker ]; then docker_volume=yes; fi
done </proc/self/mountinfo
if [ "$docker_volume" = no ]; then
  say "warning: /var/lib/docker is not a volume (overlay on overlay): mount a volume there"
fi

# The inner daemon's networks must not overlap the host's Docker networks (172.17-31.x, and
# host-gateway is 172.17.0.1), or the mirror and the host would be unreachable from inside.
mirror="${DOCKYARD_REGISTRY_MIRROR-mirror.dockyard:5000}"
bip="${DOCKYARD_DOCKERD_BIP:-10.213.0.1/24}"
pool="${DOCKYARD_DOCKERD_POOL:-10.214.0.0/16}"
[ -d /etc/docker ] || mkdir -p /etc/docker
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

for stale in /var/run/docker.pid /var/run/docker/containerd/containerd.pid; do
  if [ -e "$stale" ]; then rm -f "$stale"; fi
done
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
