#!/bin/sh
# Runs inside the debootstrapped tree (chroot, as root) before it is imported as the Debian base
# image. Inputs (environment): SUITE, MIRROR, SECURITY_MIRROR. Lines starting with "finish:" are
# shown as progress.
set -eu
: "${SUITE:?}" "${MIRROR:?}" "${SECURITY_MIRROR:?}"
export DEBIAN_FRONTEND=noninteractive LC_ALL=C

echo "finish: apt sources $SUITE, $SUITE-updates, $SUITE-security"
rm -f /etc/apt/sources.list
cat > /etc/apt/sources.list.d/debian.sources <<EOF
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SECURITY_MIRROR
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF

# Container-friendly apt and dpkg settings, as in Docker's official Debian images (-slim for docs).
cat > /etc/apt/apt.conf.d/docker-clean <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
echo 'Acquire::Languages "none";' > /etc/apt/apt.conf.d/docker-no-languages
printf 'Acquire::GzipIndexes "true";\nAcquire::CompressionTypes::Order:: "gz";\n' > /etc/apt/apt.conf.d/docker-gzip-indexes
echo 'Apt::AutoRemove::SuggestsImportant "false";' > /etc/apt/apt.conf.d/docker-autoremove-suggests
cat > /etc/dpkg/dpkg.cfg.d/docker <<'EOF'
# No documentation in images (as debian:*-slim); copyright files are kept.
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
EOF
# Services must not start during image builds.
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
chmod 755 /usr/sbin/policy-rc.d

echo "finish: apt-get update"
apt-get update -q
echo "finish: apt-get upgrade"
apt-get -y -q -o Dpkg::Use-Pty=0 -o Dpkg::Options::=--force-confold upgrade
echo "finish: cleaning"
apt-get clean
find /usr/share/doc -mindepth 1 -not -name copyright -not -type d -delete
find /usr/share/doc -mindepth 1 -type d -empty -delete
rm -rf /usr/share/man/* /usr/share/info/* /usr/share/groff/* /usr/share/lintian/* /usr/share/linda/*
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/debconf/*-old /var/lib/dpkg/*-old
rm -rf /var/log/apt/* /var/log/dpkg.log /var/log/alternatives.log /var/log/bootstrap.log /tmp/* /var/tmp/*
# Docker provides these at run time; do not leak the build host's.
: > /etc/resolv.conf
: > /etc/hostname
printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' > /etc/hosts
[ ! -e /etc/machine-id ] || : > /etc/machine-id
echo "finish: done ($(dpkg-query -W -f='.' | wc -c) packages)"
