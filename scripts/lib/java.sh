# Shared by the scripts: find a JDK >= 17 and the JVM flags every spark-llama JVM needs.

# Major version of a java binary (8 for 1.8, 17 for 17.0.x, ...).
java_major() {
  local v
  v="$("$1" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n1)"
  case "$v" in
    1.*) echo "${v#1.}" | cut -d. -f1 ;;
    *) echo "$v" | cut -d. -f1 | cut -d- -f1 ;;
  esac
}

# Prints the path of a java >= 17: $JAVA_HOME's when it is one, otherwise the newest of the java on
# the PATH and /usr/lib/jvm/*/bin/java. Newest because C2's code for the Vector API kernels
# is as good or better with newer JDKs (Temurin 25 decodes 32-sequence batches 5-8% faster than JDK 17
# here, docs/PERFORMANCE.md).
find_java() {
  local c best="" best_major=0 major
  if [ -n "${JAVA_HOME:-}" ]; then
    c="$JAVA_HOME/bin/java"
    if [ -x "$c" ] && [ "$(java_major "$c")" -ge 17 ] 2>/dev/null; then
      echo "$c"
      return 0
    fi
    echo "note: JAVA_HOME=$JAVA_HOME is not a JDK 17 or newer; looking elsewhere" >&2
  fi
  for c in "$(command -v java 2>/dev/null)" /usr/lib/jvm/*/bin/java; do
    if [ -n "$c" ] && [ -x "$c" ]; then
      major="$(java_major "$c")"
      if [ "$major" -ge 17 ] 2>/dev/null && [ "$major" -gt "$best_major" ]; then
        best="$c"
        best_major="$major"
      fi
    fi
  done
  if [ -n "$best" ]; then
    echo "$best"
    return 0
  fi
  echo "error: no JDK 17 or newer found (set JAVA_HOME)" >&2
  return 1
}

# JAVA_HOME of a java binary.
java_home_of() {
  dirname "$(dirname "$(readlink -f "$1")")"
}

# Flags for every JVM that runs spark-llama code: the Vector API module, and the opens Spark
# needs (harmless without Spark). One list that works unchanged on JDK 17 and 25.
jvm_flags() {
  echo "-XX:+IgnoreUnrecognizedVMOptions --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED" \
    "--sun-misc-unsafe-memory-access=allow"
}

# The JVM flags Spark needs on JDK 17+ (its JavaModuleOptions), plus jvm_flags. Works unchanged on 17 and 25.
spark_jvm_flags() {
  echo "$(jvm_flags) --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED" \
    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED" \
    "--add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED" \
    "--add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED" \
    "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED" \
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED" \
    "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED -Dio.netty.tryReflectionSetAccessible=true"
}

# Maven for the scripts: quiet, without the JDK 24+ warnings about Maven's own use of
# sun.misc.Unsafe, and with its output on stderr stripped of colour codes (Maven 3.8 writes
# ESC[0m resets even with colour off). Arguments: mvn's. Exit status: mvn's.
quiet_mvn() {
  local status
  set +e
  MAVEN_OPTS="${MAVEN_OPTS:-} -XX:+IgnoreUnrecognizedVMOptions --sun-misc-unsafe-memory-access=allow" \
    mvn -q -B -Dstyle.color=never "$@" 2>&1 | sed -u $'s/\x1b\\[[0-9;]*m//g' >&2
  status=${PIPESTATUS[0]}
  set -e
  return "$status"
}

# Builds target/spark-llama.jar when it is missing or older than the sources. $1: the java binary.
ensure_jar() {
  local root jar
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  jar="$root/target/spark-llama.jar"
  if [ ! -f "$jar" ] || [ -n "$(find "$root/src/main" "$root/pom.xml" -newer "$jar" -print -quit)" ]; then
    if [ ! -d "${HOME}/.m2/repository/org/apache/spark" ]; then
      echo "building $jar: the first build downloads Spark and its dependencies (about 360 MB) from Maven Central, which takes a few minutes ..." >&2
    else
      echo "building $jar ..." >&2
    fi
    (cd "$root" && JAVA_HOME="$(java_home_of "$1")" quiet_mvn -Dmaven.test.skip=true package >&2)
  fi
}
