# Finds a JDK 25 or newer for Trellis: $JAVA_HOME first, then /usr/lib/jvm/*.
# Sourced by ./trellis and ./mvnw; exports JAVA_HOME or exits with a message saying what to do.

trellis_jdk_major() {  # prints the feature version of the JDK at $1, or nothing
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  "$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -1
}

trellis_require_jdk() {
  local wanted=25 candidate major best="" best_major=0
  if [ -n "${JAVA_HOME:-}" ]; then
    major=$(trellis_jdk_major "$JAVA_HOME")
    if [ -n "$major" ] && [ "$major" -ge "$wanted" ]; then
      export JAVA_HOME
      return 0
    fi
  fi
  for candidate in /usr/lib/jvm/*; do
    major=$(trellis_jdk_major "$candidate")
    if [ -n "$major" ] && [ "$major" -ge "$wanted" ] && [ "$major" -gt "$best_major" ]; then
      best=$candidate
      best_major=$major
    fi
  done
  if [ -z "$best" ]; then
    echo "trellis: no JDK $wanted or newer found." >&2
    echo "  looked at: JAVA_HOME=${JAVA_HOME:-<unset>} and /usr/lib/jvm/*" >&2
    echo "  install one (e.g. Temurin 25) and set JAVA_HOME to it." >&2
    exit 1
  fi
  export JAVA_HOME=$best
}
