# Sourced by the scripts: builds and runs on the Temurin 25 JDK that the machines carry beside
# OpenJDK 17 (the code targets Java 21 with --release 21). JAVA_HOME, when it already names a JDK 21
# or newer, is kept.
# The JDK's release file says its version without starting a JVM (70 ms each, twice, on every script).
java_major() {
  local major
  major=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" 2>/dev/null)
  if [ -n "$major" ]; then echo "$major"; else "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; fi
}
if [ -z "${JAVA_HOME:-}" ] || [ ! -x "$JAVA_HOME/bin/java" ] || [ "$(java_major "$JAVA_HOME")" -lt 21 ] 2>/dev/null; then
  for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk-arm64 /usr/lib/jvm/temurin-25-jdk /usr/lib/jvm/java-25-openjdk-amd64 /usr/lib/jvm/java-21-openjdk-amd64; do
    if [ -x "$candidate/bin/java" ]; then
      export JAVA_HOME=$candidate
      break
    fi
  done
fi
if [ -z "${JAVA_HOME:-}" ] || [ "$(java_major "$JAVA_HOME")" -lt 21 ] 2>/dev/null; then
  echo "lambda-step-runner needs a JDK 21 or newer (Temurin 25 is expected in /usr/lib/jvm/temurin-25-jdk-amd64); set JAVA_HOME to one" >&2
  exit 2
fi
export PATH="$JAVA_HOME/bin:$PATH"
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"  # Maven 3.8's Guava on JDK 25: no warnings
