package io.lambdasteprunner.local;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;

/**
 * A function held by the local service: its {@code $LATEST} configuration, published versions,
 * aliases, tags, state and the warm execution environments of each version. Thread-safe.
 */
final class LocalFunction {

    /** Lambda's function states as GetFunction reports them. */
    enum State { Pending, Active, Failed }

    /** An alias: a name that points at a published version. */
    record Alias(String name, String functionVersion, String description, String revisionId) {
    }

    private final FunctionLog log;
    private final Function<FunctionVersion, ExecutionEnvironment> launcher;
    private final int maxEnvironments;
    private final EnvironmentBudget budget;
    private FunctionVersion latest;
    private final TreeMap<Integer, FunctionVersion> published = new TreeMap<>();
    private final Map<String, Alias> aliases = new LinkedHashMap<>();
    private final Map<String, String> tags = new LinkedHashMap<>();
    private final Map<String, EnvironmentPool> pools = new HashMap<>();
    private volatile State state = State.Pending;

    LocalFunction(FunctionVersion latest, Map<String, String> tags, FunctionLog log,
                  Function<FunctionVersion, ExecutionEnvironment> launcher, int maxEnvironments,
                  EnvironmentBudget budget) {
        this.budget = budget;
        this.latest = latest;
        this.tags.putAll(tags);
        this.log = log;
        this.launcher = launcher;
        this.maxEnvironments = maxEnvironments;
    }

    String name() {
        return latest.name();
    }

    synchronized FunctionVersion latest() {
        return latest;
    }

    /**
     * Replaces {@code $LATEST} after an update; its warm environments run the old code, so they go.
     */
    void replaceLatest(FunctionVersion updated) {
        EnvironmentPool old;
        synchronized (this) {
            latest = updated;
            old = pools.remove("$LATEST");
        }
        if (old != null) {
            old.close();
        }
    }

    State state() {
        return state;
    }

    FunctionLog log() {
        return log;
    }

    /**
     * Gets the function ready to run, as Lambda does while it reports {@code Pending}: starts one
     * execution environment and waits for its initialisation, then reports {@code Active}. An init
     * that fails still leaves the function Active; the error surfaces on invoke, as on AWS.
     */
    void activate(Duration initTimeout, Duration extraPending) {
        try {
            if (!extraPending.isZero()) {
                Thread.sleep(extraPending.toMillis());
            }
            FunctionVersion version = latest();
            if (launcherCanRun(version)) {
                pool("$LATEST").prewarm(() -> launcher.apply(version), initTimeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // Nothing to keep warm; the first invoke starts the runtime and reports what fails.
        } finally {
            state = State.Active;
        }
    }

    private boolean launcherCanRun(FunctionVersion version) {
        return version.code() != null;
    }

    /** Resolves a qualifier ({@code $LATEST}, a version number or an alias) to the version it names. */
    synchronized Optional<FunctionVersion> resolve(String qualifier) {
        if (qualifier == null || qualifier.equals("$LATEST")) {
            return Optional.of(latest);
        }
        if (qualifier.chars().allMatch(Character::isDigit) && qualifier.length() < 10) {
            return Optional.ofNullable(published.get(Integer.parseInt(qualifier)));
        }
        Alias alias = aliases.get(qualifier);
        return alias == null ? Optional.empty() : resolve(alias.functionVersion());
    }

    /** Runs one event on a warm environment of {@code version}, or a new one. */
    InvocationResult invoke(FunctionVersion version, Invocation invocation, Duration initTimeout,
                            Faults.RuntimeFault fault) {
        EnvironmentPool pool = pool(version.version());
        ExecutionEnvironment environment = pool.acquire(() -> launcher.apply(version));
        try {
            return environment.invoke(invocation, initTimeout, fault);
        } finally {
            pool.release(environment);
        }
    }

    private synchronized EnvironmentPool pool(String version) {
        return pools.computeIfAbsent(version, v -> new EnvironmentPool(maxEnvironments, budget));
    }

    synchronized FunctionVersion publish(String description) {
        FunctionVersion last = published.isEmpty() ? null : published.lastEntry().getValue();
        if (last != null && last.code().sha256().equals(latest.code().sha256())
                && last.revisionId().equals(latest.revisionId())) {
            return last; // Lambda returns the existing version when nothing changed.
        }
        int number = published.isEmpty() ? 1 : published.lastKey() + 1;
        FunctionVersion version = latest.asVersion(Integer.toString(number), UUID.randomUUID().toString());
        if (description != null) {
            version = new FunctionVersion(version.name(), version.functionArn(), version.version(), version.runtime(),
                    version.handler(), version.role(), description, version.timeout(), version.memorySize(),
                    version.environment(), version.architectures(), version.code(), version.lastModified(),
                    version.revisionId());
        }
        published.put(number, version);
        return version;
    }

    synchronized List<FunctionVersion> versions() {
        List<FunctionVersion> all = new ArrayList<>();
        all.add(latest);
        all.addAll(published.values());
        return all;
    }

    /** Deletes a published version; the caller deletes the whole function for {@code $LATEST}. */
    void deleteVersion(String version) {
        EnvironmentPool pool;
        synchronized (this) {
            if (aliases.values().stream().anyMatch(alias -> alias.functionVersion().equals(version))) {
                throw LambdaException.conflict("Unable to delete version because the following aliases reference it: "
                        + aliases.values().stream().filter(a -> a.functionVersion().equals(version)).map(Alias::name).toList());
            }
            if (published.remove(Integer.parseInt(version)) == null) {
                throw LambdaException.functionNotFound(latest.functionArn() + ":" + version);
            }
            pool = pools.remove(version);
        }
        if (pool != null) {
            pool.close();
        }
    }

    synchronized Alias putAlias(String name, String functionVersion, String description, boolean create) {
        if (create && aliases.containsKey(name)) {
            throw LambdaException.conflict("Alias already exists: " + latest.functionArn() + ":" + name);
        }
        if (!create && !aliases.containsKey(name)) {
            throw LambdaException.notFound("Alias not found: " + latest.functionArn() + ":" + name);
        }
        if (!functionVersion.equals("$LATEST") && resolve(functionVersion).isEmpty()) {
            throw LambdaException.notFound("Function not found: " + latest.functionArn() + ":" + functionVersion);
        }
        Alias alias = new Alias(name, functionVersion, description == null ? "" : description,
                UUID.randomUUID().toString());
        aliases.put(name, alias);
        return alias;
    }

    synchronized Optional<Alias> alias(String name) {
        return Optional.ofNullable(aliases.get(name));
    }

    synchronized List<Alias> aliases() {
        return List.copyOf(aliases.values());
    }

    synchronized void deleteAlias(String name) {
        aliases.remove(name);
    }

    synchronized Map<String, String> tags() {
        return new LinkedHashMap<>(tags);
    }

    synchronized void tag(Map<String, String> newTags) {
        tags.putAll(newTags);
    }

    synchronized void untag(List<String> keys) {
        keys.forEach(tags::remove);
    }

    /** Stops every environment of every version and waits for their processes to end. */
    void close() {
        List<EnvironmentPool> toClose;
        synchronized (this) {
            toClose = new ArrayList<>(pools.values());
            pools.clear();
        }
        toClose.forEach(EnvironmentPool::close);
    }
}
