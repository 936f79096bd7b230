# Finds a JDK 25 or newer and exports JAVA_HOME to it. Sourced (POSIX sh) by ./mvnw and ./datamodels.
# Order: $JAVA_HOME if it is 25+, then the usual install folders. Prints a clear error and returns 1 if none.
datamodels_jdk_major() {
  # $1: a JDK home. Prints its feature version (e.g. 25), from the 'release' file or 'java -version'.
  v=""
  if [ -f "$1/release" ]; then
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" 2>/dev/null)
  fi
  if [ -z "$v" ] && [ -x "$1/bin/java" ]; then
    v=$("$1/bin/java" -version 2>&1 | sed -n '1s/.*version "\([0-9]*\).*/\1/p')
  fi
  printf %s "$v"
}

datamodels_find_jdk() {
  for c in "${JAVA_HOME-}" /usr/lib/jvm/temurin-25-jdk* /usr/lib/jvm/*-25-* /usr/lib/jvm/*25* \
           /usr/lib/jvm/temurin-2[6-9]-jdk* /opt/java/openjdk /opt/jdk-25* /opt/java/jdk-25* \
           "$HOME"/.sdkman/candidates/java/25* "$HOME"/.jdks/*25* \
           /Library/Java/JavaVirtualMachines/*25*/Contents/Home; do
    [ -n "$c" ] && [ -x "$c/bin/javac" ] || continue
    v=$(datamodels_jdk_major "$c")
    if [ -n "$v" ] && [ "$v" -ge 25 ] 2>/dev/null; then
      JAVA_HOME="$c"
      export JAVA_HOME
      return 0
    fi
  done
  echo "datamodels: no JDK 25 found (JAVA_HOME='${JAVA_HOME-}' and /usr/lib/jvm hold none); install one, e.g. Temurin 25, and set JAVA_HOME to it" >&2
  return 1
}
