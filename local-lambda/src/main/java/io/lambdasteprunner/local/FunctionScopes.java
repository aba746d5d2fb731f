package io.lambdasteprunner.local;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The functions of every account and region the service has been called in: one
 * {@link FunctionRegistry} per {@link Scope}, made on first use. A function of one scope is not seen
 * from another, as on AWS. What bounds the machine (environments, spare runtimes, fault injection)
 * is shared by all scopes, outside this class. Thread-safe.
 */
final class FunctionScopes {

    private final Scope defaultScope;
    private final Function<Scope, FunctionRegistry> newRegistry;
    private final Map<Scope, FunctionRegistry> registries = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * @param defaultScope the scope of callers whose request names none (no SigV4 credential), and of
     *                     the service's own Java API
     * @param newRegistry  makes the empty registry of a scope
     */
    FunctionScopes(Scope defaultScope, Function<Scope, FunctionRegistry> newRegistry) {
        this.defaultScope = defaultScope;
        this.newRegistry = newRegistry;
    }

    Scope defaultScope() {
        return defaultScope;
    }

    /** The functions of {@code scope}, an empty registry the first time. */
    FunctionRegistry of(Scope scope) {
        if (closed) {
            throw new LambdaException(503, "ServiceException", "The local Lambda service is stopping.");
        }
        return registries.computeIfAbsent(scope, newRegistry);
    }

    /** The functions of {@code scope} if it was ever called in, else empty (and nothing is made). */
    java.util.Optional<FunctionRegistry> existing(Scope scope) {
        return java.util.Optional.ofNullable(registries.get(scope));
    }

    FunctionRegistry ofDefault() {
        return of(defaultScope);
    }

    /** The scopes that hold functions or have held them, in a stable order. */
    List<Scope> scopes() {
        return registries.keySet().stream()
                .sorted(Comparator.comparing(Scope::accountId).thenComparing(Scope::region)).toList();
    }

    /** Stops every function's processes in every scope and forgets them. */
    void closeAll() {
        closed = true;
        List<FunctionRegistry> all = new ArrayList<>(registries.values());
        registries.clear();
        all.parallelStream().forEach(FunctionRegistry::closeAll);
    }
}
