#!/usr/bin/env bash
# A single-node KRaft Apache Kafka broker run from Maven Central jars (no Docker), for tests and local
# development. The one source of truth for how the broker is resolved, configured and started:
# test/kafka/local-broker.ts runs this script for the test suite, `npm run kafka:dev` runs it directly.
#
#   local-broker.sh [--port 9092] [--controller-port PORT] [--data-dir DIR] [--exit-with PID]
#                   [--extra-properties FILE]   # appended to server.properties: later keys win
#   local-broker.sh --tool CLASS [ARGS...]     # run one of Kafka's tools (kafka.admin.ConfigCommand, …)
#   local-broker.sh --resolve-only     # download the jars and format the storage template, then exit
#
# Jars and a formatted empty storage are cached under $HOPWATCH_KAFKA_CACHE (default <repo>/.kafka);
# Maven also keeps its own cache in ~/.m2. Without --data-dir the data lives in <cache>/dev-<port> and
# survives restarts (delete that folder for a clean broker).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
pom="$here/pom.xml"
version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$pom")
cache_root="${HOPWATCH_KAFKA_CACHE:-$(cd "$here/../.." && pwd)/.kafka}"
# Keyed by the POM's checksum, so changing a version or a dependency resolves afresh.
cache="$cache_root/kafka-$version-$(cksum <"$pom" | cut -d' ' -f1)"
libs="$cache/libs"
template="$cache/storage-template"
archive="$cache/kafka.jsa"

port=9092
controller_port=
data_dir=
exit_with=
extra_properties=
tool=
resolve_only=false

die() {
  echo "local-broker: $*" >&2
  exit 1
}

while [ $# -gt 0 ]; do
  case "$1" in
    --port) port="$2"; shift 2 ;;
    --controller-port) controller_port="$2"; shift 2 ;;
    --data-dir) data_dir="$2"; shift 2 ;;
    --exit-with) exit_with="$2"; shift 2 ;;
    --extra-properties) extra_properties="$2"; shift 2 ;;
    --tool) tool="$2"; shift 2; break ;;
    --resolve-only) resolve_only=true; shift ;;
    *) die "unknown argument $1 (see the header of $0)" ;;
  esac
done
controller_port="${controller_port:-$((port + 1))}"

require_java() {
  command -v java >/dev/null || die "java not found: Kafka $version needs Java 17 or newer (Debian: apt-get install openjdk-17-jre-headless)"
  local major
  major=$(java -version 2>&1 | sed -n '1s/.*version "\([0-9]*\).*/\1/p')
  [ "${major:-0}" -ge 17 ] || die "Kafka $version needs Java 17 or newer; $(command -v java) is version ${major:-unknown}"
}

resolve_jars() {
  [ -f "$libs/.complete" ] && return
  command -v mvn >/dev/null || die "mvn not found: it resolves the Kafka jars from Maven Central (Debian: apt-get install maven)"
  echo "local-broker: resolving Kafka $version jars from Maven Central into $libs" >&2
  local staging="$cache/libs.partial"
  rm -rf "$staging"
  local output
  output=$(mvn -B -q -Dstyle.color=never -f "$pom" dependency:copy-dependencies -DoutputDirectory="$staging" 2>&1) ||
    die "could not resolve the Kafka $version jars with Maven (is Maven Central reachable?): $output"
  touch "$staging/.complete"
  rm -rf "$libs"
  mv "$staging" "$libs"
}

# C1-only JIT and a small heap: a test broker handles little traffic, and start-up time is what counts.
jvm_options=(-Xms128m -Xmx512m -XX:TieredStopAtLevel=1 -Djava.awt.headless=true -Djava.io.tmpdir="${TMPDIR:-/tmp}"
  -Dlog4j2.configurationFile="$here/log4j2.properties" -cp "$libs/*")

# server.properties for one broker: the shared settings plus its ports and log dir.
write_config() {
  local file="$1" log_dir="$2" broker_port="$3" quorum_port="$4"
  {
    cat "$here/broker.properties"
    echo "listeners=PLAINTEXT://127.0.0.1:$broker_port,CONTROLLER://127.0.0.1:$quorum_port"
    echo "advertised.listeners=PLAINTEXT://127.0.0.1:$broker_port"
    echo "controller.quorum.voters=1@127.0.0.1:$quorum_port"
    echo "log.dirs=$log_dir"
  } >"$file"
}

# Kills process $2 once process $1 is gone; ends by itself when $2 ends first.
kill_when_gone() {
  local watched="$1" target="$2"
  (while kill -0 "$watched" 2>/dev/null && kill -0 "$target" 2>/dev/null; do sleep 1; done
   kill -KILL "$target" 2>/dev/null) </dev/null >/dev/null 2>&1 9>&- &
}

# Formatting costs a JVM start, so it is done once: each broker starts from a copy of this empty,
# formatted storage (the ports are not part of it).
format_template() {
  [ -f "$template/meta.properties" ] && return
  local staging="$cache/storage-template.partial" output cluster_id
  rm -rf "$staging"
  write_config "$cache/format.properties" "$staging" "$port" "$controller_port"
  # Passed with `=`: a base64 id may begin with `-`.
  cluster_id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
  output=$(java "${jvm_options[@]}" kafka.tools.StorageTool format --cluster-id="$cluster_id" \
    -c "$cache/format.properties" 2>&1) || die "formatting the Kafka storage failed: $output"
  rm -rf "$template" "$cache/format.properties"
  mv "$staging" "$template"
}

# A class-data-sharing archive of the broker's start-up classes halves its start time (more on a
# busy machine). One training start records it, as the apache/kafka image does; it is only an
# optimisation, so a failed training is reported and skipped.
record_class_archive() {
  [ -f "$archive" ] && return
  command -v node >/dev/null || return
  local dir="$cache/training" ports pid waited=0
  rm -rf "$dir" "$archive.partial"
  mkdir -p "$dir/data"
  cp -R "$template/." "$dir/data/"
  ports=$(node -e 'const net = require("node:net"); const take = () => new Promise((ok) => { const s = net.createServer().listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => ok(p)); }); }); (async () => { const a = await take(); let b = await take(); while (b === a) b = await take(); console.log(a, b); })();')
  write_config "$dir/server.properties" "$dir/data" ${ports}
  echo "local-broker: recording a class-data-sharing archive (one training start of the broker)" >&2
  java "${jvm_options[@]}" -XX:ArchiveClassesAtExit="$archive.partial" kafka.Kafka "$dir/server.properties" \
    >"$dir/broker.log" 2>&1 9>&- &
  pid=$!
  kill_when_gone $$ "$pid"
  until grep -q "Kafka Server started" "$dir/broker.log"; do
    if ! kill -0 "$pid" 2>/dev/null || [ "$waited" -ge 1800 ]; then
      echo "local-broker: warning: the training start failed, starting without the archive:" >&2
      tail -n 20 "$dir/broker.log" >&2
      kill -KILL "$pid" 2>/dev/null || true
      rm -rf "$dir" "$archive.partial"
      return
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  kill -TERM "$pid"
  wait "$pid" || true
  [ -f "$archive.partial" ] && mv "$archive.partial" "$archive"
  rm -rf "$dir"
}

prepare() {
  mkdir -p "$cache"
  # Several test runs may share the cache: one prepares it, the others wait.
  if command -v flock >/dev/null; then
    exec 9>"$cache_root/.lock"
    flock 9
  fi
  resolve_jars
  format_template
  record_class_archive
  if command -v flock >/dev/null; then exec 9>&-; fi
}

require_java
prepare
$resolve_only && exit 0
[ -z "$tool" ] || exec java "${jvm_options[@]}" "$tool" "$@"

data_dir="${data_dir:-$cache_root/dev-$port}"
mkdir -p "$data_dir/data"
[ -f "$data_dir/data/meta.properties" ] || cp -R "$template/." "$data_dir/data/"
write_config "$data_dir/server.properties" "$data_dir/data" "$port" "$controller_port"
[ -z "$extra_properties" ] || cat "$extra_properties" >>"$data_dir/server.properties"
# The broker must not outlive the test run that started it, even one killed without a teardown.
[ -z "$exit_with" ] || kill_when_gone "$exit_with" $$
[ ! -f "$archive" ] || jvm_options+=(-XX:SharedArchiveFile="$archive")

echo "local-broker: Kafka $version on 127.0.0.1:$port (controller 127.0.0.1:$controller_port), data in $data_dir" >&2
echo "local-broker: KAFKA_BROKERS=127.0.0.1:$port" >&2
exec java "${jvm_options[@]}" kafka.Kafka "$data_dir/server.properties"
