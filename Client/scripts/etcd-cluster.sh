#!/usr/bin/env bash
# A 3-member etcd cluster on 127.0.0.1, for the bench-etcd verb.
#
#   etcd-cluster.sh start DIR   install etcd (apt-get) when it is not on the PATH, start the members with their data
#                               and logs under DIR, wait until all answer health, print the client endpoints
#   etcd-cluster.sh stop DIR    stop the members started in DIR (the pids recorded there) and remove DIR
#
# Client ports 2379, 22379, 32379; peer ports 2380, 22380, 32380.
set -euo pipefail

names=(etcd1 etcd2 etcd3)
client_ports=(2379 22379 32379)
peer_ports=(2380 22380 32380)
health_deadline_seconds=${ETCD_HEALTH_DEADLINE_SECONDS:-60}
stop_deadline_seconds=10

usage() {
    echo "usage: $0 start DIR | stop DIR" >&2
    exit 2
}

install_etcd() {
    if command -v etcd >/dev/null 2>&1; then
        return
    fi
    echo "etcd is not on the PATH: installing it with apt-get" >&2
    timeout 300 apt-get update -qq
    local packages=(etcd-server)
    if apt-cache show etcd-client >/dev/null 2>&1; then
        packages+=(etcd-client)
    fi
    DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq --no-install-recommends "${packages[@]}" >&2
    command -v etcd >/dev/null 2>&1 || { echo "etcd was not installed" >&2; exit 1; }
}

endpoints() {
    local out=() port
    for port in "${client_ports[@]}"; do
        out+=("http://127.0.0.1:${port}")
    done
    (IFS=,; echo "${out[*]}")
}

healthy() {
    curl -fsS --max-time 2 "http://127.0.0.1:$1/health" 2>/dev/null | grep -q '"health":"true"'
}

start() {
    local dir=$1
    install_etcd
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [[ -e "$dir/pids" ]]; then
        echo "$dir/pids exists: a cluster may already run there (stop it first)" >&2
        exit 1
    fi
    local cluster="" i
    for i in 0 1 2; do
        cluster+="${cluster:+,}${names[$i]}=http://127.0.0.1:${peer_ports[$i]}"
    done
    local token="bench-$$-$(date +%s)"
    for i in 0 1 2; do
        local name=${names[$i]}
        mkdir -p "$dir/$name"
        # Not under set -m: the members outlive this script.
        nohup etcd \
            --name "$name" \
            --data-dir "$dir/$name/data" \
            --listen-client-urls "http://127.0.0.1:${client_ports[$i]}" \
            --advertise-client-urls "http://127.0.0.1:${client_ports[$i]}" \
            --listen-peer-urls "http://127.0.0.1:${peer_ports[$i]}" \
            --initial-advertise-peer-urls "http://127.0.0.1:${peer_ports[$i]}" \
            --initial-cluster "$cluster" \
            --initial-cluster-state new \
            --initial-cluster-token "$token" \
            >"$dir/$name/etcd.log" 2>&1 </dev/null &
        echo "$!" >>"$dir/pids"
    done

    local deadline=$((SECONDS + health_deadline_seconds))
    for i in 0 1 2; do
        until healthy "${client_ports[$i]}"; do
            if ((SECONDS >= deadline)); then
                echo "${names[$i]} not healthy within ${health_deadline_seconds}s; its log: $dir/${names[$i]}/etcd.log" >&2
                tail -n 20 "$dir/${names[$i]}/etcd.log" >&2 || true
                exit 1
            fi
            sleep 0.5
        done
    done
    echo "etcd $(etcd --version | head -n 1 | awk '{print $3}') healthy, 3 members; endpoints:" >&2
    endpoints
}

stop() {
    local dir=$1
    if [[ -f "$dir/pids" ]]; then
        local pid
        while read -r pid; do
            kill "$pid" 2>/dev/null || true
        done <"$dir/pids"
        local deadline=$((SECONDS + stop_deadline_seconds))
        while read -r pid; do
            while kill -0 "$pid" 2>/dev/null; do
                if ((SECONDS >= deadline)); then
                    kill -9 "$pid" 2>/dev/null || true
                    break
                fi
                sleep 0.2
            done
        done <"$dir/pids"
    fi
    rm -rf "$dir"
}

[[ $# -eq 2 ]] || usage
case $1 in
    start) start "$2" ;;
    stop) stop "$2" ;;
    *) usage ;;
esac
