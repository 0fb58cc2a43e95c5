#!/usr/bin/env bash
# A real Spark standalone cluster on 127.0.0.1 from the Maven classpath: one master and
# $WORKERS workers (default 2, each $WORKER_CORES cores (1) and $WORKER_MEMORY (2g)).
#   scripts/local-cluster.sh start|stop|status
# Master spark://127.0.0.1:$MASTER_PORT (7077), web UIs on $WEBUI_PORT (18080) and the next
# ports. Logs, work directories, PID files and SPARK_HOME (whose jars/ links the runtime
# classpath, so executors need no extra classpath settings) live under $CLUSTER_DIR
# (target/local-cluster). Daemons stop by PID. The daemons and executors run on the JDK that
# scripts/lib/java.sh finds ($JAVA_HOME first). $SPARK_CLASSPATH, when set, is used instead of
# resolving the classpath with Maven (the fault tests pass their own).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/lib/java.sh"

dir="${CLUSTER_DIR:-$root/target/local-cluster}"
workers="${WORKERS:-2}"
port="${MASTER_PORT:-7077}"
webui="${WEBUI_PORT:-18080}"
export SPARK_HOME="$dir/spark-home" SPARK_SCALA_VERSION=2.13 SPARK_LOCAL_IP=127.0.0.1

# Runs a command in the background as a daemon: stdin from /dev/null and none of this shell's other
# descriptors (a lock the caller holds would otherwise stay held until the cluster stops).
# Output goes where the caller redirects it; $! is the daemon's PID.
daemon() {
  (
    for fd in /proc/$BASHPID/fd/*; do
      fd="${fd##*/}"
      if [ "$fd" -gt 2 ]; then eval "exec $fd>&-"; fi
    done
    exec "$@" </dev/null
  ) &
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

wait_for() { # file text seconds
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "error: '$2' did not appear in $1 within $3 s" >&2
  return 1
}

start() {
  mkdir -p "$dir"
  if alive "$dir/master.pid"; then
    echo "already running (master pid $(cat "$dir/master.pid"))" >&2
    return 0
  fi
  local java_bin cp
  java_bin="$(find_java)"
  if [ -n "${SPARK_CLASSPATH:-}" ]; then
    cp="$SPARK_CLASSPATH"
  else
    "$root/scripts/spark-submit" --version >/dev/null 2>&1 || true # resolves target/spark-classpath.txt
    cp="$(cat "$root/target/spark-classpath.txt")"
  fi
  mkdir -p "$SPARK_HOME/jars"
  (IFS=:; for j in $cp; do case "$j" in *.jar) ln -sf "$j" "$SPARK_HOME/jars/" ;; esac; done)
  local log_conf="-Dlog4j2.configurationFile=$root/conf/log4j2-cluster.properties"
  daemon "$java_bin" -Xmx512m $(spark_jvm_flags) "$log_conf" -cp "$cp" org.apache.spark.deploy.master.Master \
    --host 127.0.0.1 --port "$port" --webui-port "$webui" > "$dir/master.log" 2>&1
  echo $! > "$dir/master.pid"
  wait_for "$dir/master.log" "I have been elected leader" 60
  local w
  for ((w = 1; w <= workers; w++)); do
    daemon "$java_bin" -Xmx512m $(spark_jvm_flags) "$log_conf" -cp "$cp" org.apache.spark.deploy.worker.Worker \
      --host 127.0.0.1 --cores "${WORKER_CORES:-1}" --memory "${WORKER_MEMORY:-2g}" --webui-port $((webui + w)) \
      --work-dir "$dir/work$w" "spark://127.0.0.1:$port" > "$dir/worker$w.log" 2>&1
    echo $! > "$dir/worker$w.pid"
  done
  for ((w = 1; w <= workers; w++)); do
    wait_for "$dir/worker$w.log" "Successfully registered with master" 60
  done
  echo "spark://127.0.0.1:$port"
}

stop() {
  local f
  for f in "$dir"/worker*.pid "$dir"/master.pid; do
    [ -f "$f" ] || continue
    if alive "$f"; then
      kill "$(cat "$f")" 2>/dev/null || true
      for _ in $(seq 50); do alive "$f" || break; sleep 0.1; done
      alive "$f" && kill -9 "$(cat "$f")" 2>/dev/null || true
    fi
    rm -f "$f"
  done
}

status() {
  local f any=1
  for f in "$dir"/master.pid "$dir"/worker*.pid; do
    [ -f "$f" ] || continue
    if alive "$f"; then echo "$(basename "$f" .pid): running (pid $(cat "$f"))"; any=0; else echo "$(basename "$f" .pid): stopped"; fi
  done
  return $any
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: scripts/local-cluster.sh start|stop|status" >&2; exit 2 ;;
esac
