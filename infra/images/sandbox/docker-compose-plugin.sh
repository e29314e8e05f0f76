#!/bin/sh
# `docker compose` for the sandbox: Compose v2 cannot be installed offline here, so this Docker CLI
# plugin (installed as /usr/libexec/docker/cli-plugins/docker-compose) runs Debian's Compose v1,
# /usr/bin/docker-compose 1.29.2. The CLI calls a plugin with `docker-cli-plugin-metadata` to
# list it, and otherwise with the plugin's name (`compose`) first, then the learner's arguments.
if [ "$1" = docker-cli-plugin-metadata ]; then
  cat <<'JSON'
{"SchemaVersion":"0.1.0","Vendor":"Dockyard","Version":"1.29.2","ShortDescription":"Docker Compose (docker-compose 1.29.2 behind the docker compose spelling)"}
JSON
  exit 0
fi
[ "$1" = compose ] && shift
exec /usr/bin/docker-compose "$@"
