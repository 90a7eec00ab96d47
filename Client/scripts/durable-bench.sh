#!/usr/bin/env bash
# The durable-write comparison of docs/benchmarks.md, in one run: etcd (3 members on loopback), then three silos at
# Disk, Buffered (and Buffered with every write asking for Disk) and Memory, 50 clients, 100-byte values, 10 s each. Run from the repository root after
# `dotnet build -c Release`. With `restart` as its argument it measures instead a full restart of a group of about a
# million keys: load at Buffered, kill -9 of every silo, start at Disk, time until the first write is acknowledged.
set -uo pipefail
work=${DURABLE_BENCH_DIR:-/tmp/durable-bench}
cli=(dotnet Client/bin/Release/net10.0/Orleans.Replication.Cli.dll)
silo=(dotnet Silo/bin/Release/net10.0/Orleans.Replication.Silo.dll)
gateways=(--gateway localhost:30000 --gateway localhost:30001 --gateway localhost:30002)
mkdir -p "$work"
: > "$work/pids"

start_silos() { # $1: disk, buffered or memory
    for i in 0 1 2; do
        local storage=(--in-memory)
        if [ "$1" != memory ]; then
            mkdir -p "$work/data/silo-$i"
            storage=(--data-dir "$work/data/silo-$i" --name "silo-$i" --durability "$1")
        fi
        "${silo[@]}" --instance "$i" "${storage[@]}" > "$work/silo-$1-$i.log" 2>&1 &
        echo $! >> "$work/pids"
        sleep 2
    done
    for _ in $(seq 1 60); do
        "${cli[@]}" "${gateways[@]}" --group "$2" put warm up > /dev/null 2>&1 && return
        sleep 1
    done
    echo "the silos did not serve group $2 within 60 s" >&2
}

stop_silos() { # $1: -9 to kill, else a graceful stop
    kill ${1:-} $(cat "$work/pids") 2> /dev/null
    sleep 3
    kill -9 $(cat "$work/pids") 2> /dev/null
    : > "$work/pids"
}

if [ "${1:-}" = restart ]; then
    rm -rf "$work/data"
    start_silos buffered big
    "${cli[@]}" "${gateways[@]}" bench --group big --keys 1000000 --duration 90s --warmup 0s 2> /dev/null
    for p in $(cat "$work/pids"); do echo "silo pid $p: $(ps -o rss= -p "$p") KiB resident"; done
    du -sh "$work"/data/silo-*
    stop_silos -9
    started=$(date +%s.%N)
    start_silos disk big
    echo "first write acknowledged $(echo "$(date +%s.%N) - $started" | bc) s after the silos were started"
    for p in $(cat "$work/pids"); do echo "silo pid $p: $(ps -o rss= -p "$p") KiB resident"; done
    stop_silos
    rm -rf "$work/data"
    exit 0
fi

Client/scripts/etcd-cluster.sh start "$work/etcd"
echo "== etcd"
"${cli[@]}" bench-etcd --clients 50 --value-size 100 --duration 10s 2> /dev/null
Client/scripts/etcd-cluster.sh stop "$work/etcd"
for durability in disk buffered memory; do
    echo "== $durability"
    start_silos "$durability" bench
    "${cli[@]}" "${gateways[@]}" bench --group bench --clients 50 --value-size 100 --duration 10s 2> /dev/null
    if [ "$durability" = buffered ]; then
        echo "== buffered group, every write asking for disk"
        "${cli[@]}" "${gateways[@]}" bench --group bench --clients 50 --value-size 100 --duration 10s \
            --durability disk 2> /dev/null
    fi
    stop_silos
    rm -rf "$work/data"
done
