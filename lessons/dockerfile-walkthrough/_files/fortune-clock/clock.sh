#!/bin/bash
# Prints the time and a fortune, then waits $INTERVAL seconds (5 by default).
# Stops after COUNT rounds, or runs until it is stopped when COUNT is 0 or missing.
trap 'exit 0' INT TERM
count=${1:-0}
case "$count" in
  *[!0-9]*) echo "usage: clock.sh [COUNT]" >&2; exit 2 ;;
esac
i=0
while true; do
  echo "It is $(date)"
  /usr/games/fortune
  echo
  i=$((i + 1))
  if [ "$count" -gt 0 ] && [ "$i" -ge "$count" ]; then break; fi
  sleep "${INTERVAL:-5}"
done
