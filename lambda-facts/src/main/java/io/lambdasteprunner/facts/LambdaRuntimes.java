package io.lambdasteprunner.facts;

import java.util.List;
import java.util.Optional;

/**
 * The runtimes Lambda accepts for new functions (late 2026) and the ones it no longer accepts.
 *
 * <p>Identifiers are case-sensitive, as on AWS. Update this class when AWS changes its list; every
 * other part of the project derives its checks and messages from here.
 */
public final class LambdaRuntimes {

    /** Interpreted runtimes a custom-code step may use, newest last within each language. */
    public static final List<String> INTERPRETED = List.of(
            "python3.10", "python3.11", "python3.12", "python3.13", "python3.14",
            "nodejs20.x", "nodejs22.x", "nodejs24.x",
            "ruby3.2", "ruby3.3", "ruby3.4", "ruby4.0");

    /** Compiled or custom runtimes Lambda accepts; the local service runs the Java ones. */
    public static final List<String> OTHER_SUPPORTED = List.of(
            "java8.al2", "java11", "java17", "java21", "java25",
            "dotnet8", "dotnet10", "provided.al2", "provided.al2023");

    /** Runtimes Lambda knows but refuses for new functions. */
    public static final List<String> DEPRECATED = List.of(
            "python2.7", "python3.6", "python3.7", "python3.8", "python3.9",
            "nodejs", "nodejs4.3", "nodejs4.3-edge", "nodejs6.10", "nodejs8.10", "nodejs10.x",
            "nodejs12.x", "nodejs14.x", "nodejs16.x", "nodejs18.x",
            "ruby2.5", "ruby2.7", "java8", "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1",
            "dotnetcore3.1", "dotnet6", "dotnet7", "go1.x", "provided");

    /** The language family of a runtime identifier, which decides packaging and the bootstrap. */
    public enum Family { PYTHON, NODEJS, RUBY, JAVA, OTHER }

    private LambdaRuntimes() {
    }

    public static boolean isInterpreted(String runtime) {
        return INTERPRETED.contains(runtime);
    }

    public static boolean isSupported(String runtime) {
        return INTERPRETED.contains(runtime) || OTHER_SUPPORTED.contains(runtime);
    }

    public static boolean isDeprecated(String runtime) {
        return DEPRECATED.contains(runtime);
    }

    /** Every identifier Lambda's API accepts in its enum (supported and deprecated), as AWS lists it. */
    public static List<String> enumValues() {
        return java.util.stream.Stream.of(DEPRECATED, INTERPRETED, OTHER_SUPPORTED)
                .flatMap(List::stream).toList();
    }

    public static Optional<Family> familyOf(String runtime) {
        if (runtime == null || !(isSupported(runtime) || isDeprecated(runtime))) {
            return Optional.empty();
        }
        if (runtime.startsWith("python")) {
            return Optional.of(Family.PYTHON);
        }
        if (runtime.startsWith("nodejs")) {
            return Optional.of(Family.NODEJS);
        }
        if (runtime.startsWith("ruby")) {
            return Optional.of(Family.RUBY);
        }
        if (runtime.startsWith("java")) {
            return Optional.of(Family.JAVA);
        }
        return Optional.of(Family.OTHER);
    }
}
