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

# Prints the path of a java >= 17: $JAVA_HOME, then java on PATH, then /usr/lib/jvm/*.
find_java() {
  local c
  for c in ${JAVA_HOME:+"$JAVA_HOME/bin/java"} "$(command -v java 2>/dev/null)" /usr/lib/jvm/*/bin/java; do
    if [ -n "$c" ] && [ -x "$c" ] && [ "$(java_major "$c")" -ge 17 ] 2>/dev/null; then
      echo "$c"
      return 0
    fi
  done
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
