#!/bin/bash
# Load-independent evidence for the node-proxy pair path: runs the lab benchmark's pair path at 1,000 rps and,
# in the middle of the recorded period, counts both node-proxies' syscalls (perf stat tracepoints), their
# user/system CPU ticks (/proc/PID/stat) and, with CAP=1, captures the HBONE traffic on the lab's underlay bridge.
#
#   perf/scripts/pair-syscalls.sh NAME [OUT_DIR] [-- extra bench lab args]
#   CP_DIR=/tmp/snapshot perf/scripts/pair-syscalls.sh A1   # run a snapshot of the jars (A/B runs)
#
# CP_DIR: a directory holding trellis-e2e-*.jar and cp.txt (the e2e classpath with the module jars copied there);
# without it the work tree's built jars are used (run ./trellis build first). Needs root, perf and, for CAP=1,
# tshark. Prints, per node-proxy: syscalls by type, CPU ticks (1/100 s) over the 10 s window, and requests in the
# window counted as sendto/2 (one write per direction per proxy; check the sendto line says so).
set -euo pipefail
NAME=${1:?name}; OUT=${2:-/tmp/pair-syscalls}; shift $(( $# >= 2 ? 2 : 1 )); [ "${1:-}" = -- ] && shift
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
if [ -n "${CP_DIR:-}" ]; then
  CP="$(ls "$CP_DIR"/trellis-e2e-*.jar | head -1):$(cat "$CP_DIR/cp.txt")"; MARK="$CP_DIR/"
else
  CP="$(ls "$ROOT"/e2e/target/trellis-e2e-*.jar | grep -v tests | head -1):$(cat "$ROOT/e2e/target/classpath.txt")"
  MARK="$ROOT/e2e/target/"
fi
mkdir -p "$OUT"
"$JAVA" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -cp "$CP" \
  io.trellis.e2e.bench.LabBenchmark --paths pair --rates 1000 --repetitions 1 --warmup 5 --duration 30 \
  --ramp 0 --held 0 --pods-per-node 0 --out "$OUT" --name "$NAME" "$@" > "$OUT/$NAME.log" 2>&1 &
BENCH=$!
# the proxies and the load generator of this run are the JVMs whose classpath starts with this run's jars
for _ in $(seq 1 600); do pgrep -f -- "-cp $MARK.*LabLoadMain load" > /dev/null && break; sleep 1; done
sleep 12
PIDS=$(pgrep -f -- "-cp $MARK.*io.trellis.node.NodeProxyMain")
if [ -n "${CAP:-}" ]; then
  NS=$(ip netns identify "$(echo "$PIDS" | head -1)" | sed 's/-node[0-9]*$//')
  ip netns exec "$NS-underlay" timeout 6 tshark -q -i br0 -w "$OUT/$NAME.pcap" -f "tcp port 15008" > /dev/null 2>&1 &
fi
EVENTS=raw_syscalls:sys_enter
for s in sendto recvfrom write read epoll_pwait2 epoll_wait epoll_ctl futex; do EVENTS="$EVENTS,syscalls:sys_enter_$s"; done
declare -A T0
for p in $PIDS; do T0[$p]=$(awk '{print $14, $15}' /proc/$p/stat); perf stat -x, -e "$EVENTS" -p "$p" -o "$OUT/$NAME-perf-$p.csv" -- sleep 10 & done
wait $(jobs -p | grep -v "^$BENCH$")
for p in $PIDS; do
  read -r u0 s0 <<< "${T0[$p]}"; read -r u1 s1 <<< "$(awk '{print $14, $15}' /proc/$p/stat)"
  node=$(tr '\0' ' ' < /proc/$p/cmdline | grep -o 'node-name [a-z0-9]*' | cut -d' ' -f2)
  awk -F, -v node="$node" -v u=$((u1 - u0)) -v s=$((s1 - s0)) '
    $1 ~ /^[0-9]+$/ { n[$3] = $1 }
    END { req = n["syscalls:sys_enter_sendto"] / 2; printf "%s requests %d user_ticks %d sys_ticks %d cpu_s_per_1000 %.4f\n", node, req, u, s, (u + s) / 100 * 1000 / req
          for (k in n) printf "  %-32s %8d  %.2f per request\n", k, n[k], n[k] / req }' "$OUT/$NAME-perf-$p.csv"
done | tee "$OUT/$NAME-syscalls.txt"
wait $BENCH
grep -h "run path" "$OUT/$NAME.log" | tee -a "$OUT/$NAME-syscalls.txt"
if [ -n "${CAP:-}" ]; then
  tshark -r "$OUT/$NAME.pcap" -d tcp.port==15008,tls -T fields -e frame.time_relative -e tcp.len -e tls.record.content_type \
    2>/dev/null | awk -F'\t' '{ t = $1; if ($2 > 0) { seg++; recs += split($3, a, ",") } else acks++ }
      END { printf "underlay (HBONE) in %.2f s: data segments %d, TLS records %d, pure ACKs %d (about %.0f requests at 1,000 rps)\n", t, seg, recs, acks, t * 1000 }' \
    | tee -a "$OUT/$NAME-syscalls.txt"
fi
