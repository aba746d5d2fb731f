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
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A function held by the local service: its {@code $LATEST} configuration, published versions,
 * aliases, tags, resource policies, reserved concurrency, state and the warm execution environments
 * of each version. Thread-safe; the rules that need more than one function live in {@link FunctionRegistry}.
 */
final class LocalFunction {

    /** Lambda's function states as GetFunction reports them. */
    enum State { Pending, Active, Failed }

    /** Lambda's {@code LastUpdateStatus}: an update is {@code InProgress} until its new code is ready. */
    enum UpdateStatus { Successful, InProgress, Failed }

    /**
     * An alias: a name that points at a version and, with {@code additionalVersionWeights}, sends a
     * share of invokes to one other version.
     */
    record Alias(String name, String functionVersion, String description, Map<String, Double> additionalVersionWeights,
                 String revisionId) {
        Alias {
            additionalVersionWeights = Map.copyOf(additionalVersionWeights);
        }
    }

    /** The key under which the function's own (unqualified) resource policy is kept. */
    private static final String FUNCTION_POLICY = "";

    private final FunctionLog log;
    private final Function<FunctionVersion, ExecutionEnvironment> launcher;
    private final int maxEnvironments;
    private final EnvironmentBudget budget;
    private FunctionVersion latest;
    private final TreeMap<Integer, FunctionVersion> published = new TreeMap<>();
    private int lastVersionNumber;
    /** The {@code $LATEST} the newest version was published from, to tell whether anything changed since. */
    private FunctionVersion publishedFrom;
    /** Versions published while an update of $LATEST runs: AWS shows them Pending until it ends. */
    private final java.util.Set<String> pendingVersions = new java.util.HashSet<>();
    private final Map<String, Alias> aliases = new LinkedHashMap<>();
    private final Map<String, String> tags = new LinkedHashMap<>();
    private final Map<String, ResourcePolicy> policies = new HashMap<>();
    private final Map<String, EnvironmentPool> pools = new HashMap<>();
    /** Event invoke configs by qualifier ($LATEST, a version, an alias), in the order of their ARNs. */
    private final Map<String, EventInvokeConfig> eventInvokeConfigs = new TreeMap<>();
    private Integer reservedConcurrency;
    /** What Lambda does when it detects the function in a recursive loop: {@code Terminate} (its default) or {@code Allow}. */
    private String recursiveLoop = "Terminate";
    private int running;
    private volatile State state = State.Pending;
    private volatile UpdateStatus lastUpdateStatus;

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

    State state() {
        return state;
    }

    /** Null until the function is first Active, as Lambda leaves it out of CreateFunction's answer. */
    UpdateStatus lastUpdateStatus() {
        return lastUpdateStatus;
    }

    FunctionLog log() {
        return log;
    }

    /**
     * Gets the function ready to run, as Lambda does while it reports {@code Pending}: starts one
     * execution environment and waits for its initialisation, then reports {@code Active} with a new
     * RevisionId. An init that fails still leaves the function Active; the error surfaces on invoke, as on AWS.
     * The environment is {@code warm}'s: the version CreateFunction published, when it did, since that is
     * what callers then invoke (by its number or an alias), else {@code $LATEST}.
     */
    void activate(Duration initTimeout, Duration extraPending, FunctionVersion warm) {
        try {
            if (!extraPending.isZero()) {
                Thread.sleep(extraPending.toMillis());
            }
            prewarm(warm, initTimeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            synchronized (this) {
                latest = latest.withRevision(UUID.randomUUID().toString());
                lastUpdateStatus = UpdateStatus.Successful;
                state = State.Active;
                notifyAll(); // GetFunction polls held by awaitActive
            }
        }
    }

    /**
     * Holds a GetFunction a moment while the function is {@code Pending}, so that a poll made just before
     * it turns {@code Active} answers {@code Active}: with a spare runtime a new function is Active a few
     * milliseconds after CreateFunction answers, while pollers wait 10 ms and more (the SDK's waiter)
     * or a second (the AWS CLI's, boto3's) between polls. At most {@code patience}, well within the
     * time AWS's own GetFunction takes to answer; the answer then says what the state is by then.
     */
    void awaitActive(Duration patience) {
        if (state != State.Pending) {
            return;
        }
        long deadline = System.nanoTime() + patience.toNanos();
        synchronized (this) {
            try {
                for (long left; state == State.Pending && (left = deadline - System.nanoTime()) > 0; ) {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void prewarm(FunctionVersion version, Duration initTimeout) {
        try {
            pool(version.version()).prewarm(() -> launcher.apply(version), initTimeout);
        } catch (RuntimeException e) {
            // Nothing to keep warm; the first invoke starts the runtime and reports what fails.
        }
    }

    /**
     * Starts an update of {@code $LATEST}: Lambda refuses one while the function is Pending or another
     * update is in progress. Warm environments run the old code, so they go; one running an invoke
     * goes when that invoke ends.
     */
    void beginUpdate(Function<FunctionVersion, FunctionVersion> change, String expectedRevisionId) {
        EnvironmentPool old;
        synchronized (this) {
            if (state != State.Active) {
                throw LambdaException.conflict("The operation cannot be performed at this time. The function is "
                        + "currently in the following state: " + state);
            }
            if (lastUpdateStatus == UpdateStatus.InProgress) {
                throw LambdaException.conflict("The operation cannot be performed at this time. An update is in "
                        + "progress for resource: " + latest.functionArn());
            }
            checkRevision(expectedRevisionId, latest.revisionId());
            latest = change.apply(latest);
            lastUpdateStatus = UpdateStatus.InProgress;
            old = pools.remove(FunctionVersion.LATEST);
        }
        if (old != null) {
            old.retire();
        }
    }

    /** Finishes an update once the new {@code $LATEST} has an environment ready (or failed to start one). */
    void finishUpdate(Duration initTimeout) {
        try {
            prewarm(latest(), initTimeout);
        } finally {
            synchronized (this) {
                latest = latest.withRevision(UUID.randomUUID().toString());
                lastUpdateStatus = UpdateStatus.Successful;
                pendingVersions.clear();
            }
        }
    }

    /** Whether a published version is still Pending: published with an update whose code is not ready yet. */
    synchronized boolean isPending(String version) {
        return pendingVersions.contains(version);
    }

    static void checkRevision(String expected, String actual) {
        if (expected != null && !expected.equals(actual)) {
            throw LambdaException.preconditionFailed();
        }
    }

    /** Resolves a qualifier ({@code $LATEST}, a version number or an alias) to the version it names. */
    synchronized Optional<FunctionVersion> resolve(String qualifier) {
        if (qualifier == null || qualifier.equals(FunctionVersion.LATEST)) {
            return Optional.of(latest);
        }
        if (isVersionNumber(qualifier)) {
            return Optional.ofNullable(published.get(Integer.parseInt(qualifier)));
        }
        Alias alias = aliases.get(qualifier);
        return alias == null ? Optional.empty() : resolve(alias.functionVersion());
    }

    /**
     * The version an invoke through {@code qualifier} runs: for an alias with a routing weight, the
     * additional version with that chance, as Lambda routes.
     */
    synchronized Optional<FunctionVersion> resolveForInvoke(String qualifier) {
        Alias alias = qualifier == null ? null : aliases.get(qualifier);
        if (alias != null && !alias.additionalVersionWeights().isEmpty()) {
            var weight = alias.additionalVersionWeights().entrySet().iterator().next();
            if (ThreadLocalRandom.current().nextDouble() < weight.getValue()) {
                return resolve(weight.getKey());
            }
        }
        return resolve(qualifier);
    }

    static boolean isVersionNumber(String qualifier) {
        return !qualifier.isEmpty() && qualifier.length() < 10 && qualifier.chars().allMatch(Character::isDigit);
    }

    /**
     * Runs one event on a warm environment of {@code version}, or a new one. With reserved concurrency,
     * invokes beyond it are throttled as Lambda throttles them.
     */
    InvocationResult invoke(FunctionVersion version, Invocation invocation, Duration initTimeout,
                            Faults.RuntimeFault fault) {
        synchronized (this) {
            if (reservedConcurrency != null && running >= reservedConcurrency) {
                throw LambdaException.tooManyRequests("Rate Exceeded.",
                        "ReservedFunctionConcurrentInvocationLimitExceeded");
            }
            running++;
        }
        try {
            // $LATEST is what it is when the invoke runs: an event queued before an update runs the
            // updated function (recorded: test_async_invoke_queue_upon_function_update).
            FunctionVersion current;
            EnvironmentPool pool;
            ExecutionEnvironment environment;
            do {
                synchronized (this) {
                    current = version.isLatest() ? latest : version;
                    pool = pool(current.version());
                }
                FunctionVersion starting = current;
                environment = pool.acquire(() -> launcher.apply(starting));
            } while (environment == null);
            try {
                return environment.invoke(invocation, initTimeout, fault);
            } finally {
                pool.release(environment);
            }
        } finally {
            synchronized (this) {
                running--;
            }
        }
    }

    private synchronized EnvironmentPool pool(String version) {
        return pools.computeIfAbsent(version, v -> new EnvironmentPool(maxEnvironments, budget));
    }

    // ---- versions -------------------------------------------------------------------------------

    /**
     * Publishes {@code $LATEST} as a new version, or returns the newest version unchanged when neither
     * code nor configuration changed since it was published (its description stays), as Lambda does.
     */
    synchronized FunctionVersion publish(String description, String codeSha256, String revisionId) {
        if (codeSha256 != null && !codeSha256.equals(latest.code().sha256())) {
            throw LambdaException.invalidParameter("CodeSHA256 (" + codeSha256 + ") is different from current "
                    + "CodeSHA256 in $LATEST (" + latest.code().sha256() + "). Please try again with the CodeSHA256 "
                    + "in $LATEST.");
        }
        checkRevision(revisionId, latest.revisionId());
        FunctionVersion newest = published.isEmpty() ? null : published.lastEntry().getValue();
        if (newest != null && newest.version().equals(Integer.toString(lastVersionNumber)) && latest.sameAs(publishedFrom)) {
            return newest;
        }
        int number = ++lastVersionNumber;
        FunctionVersion version = latest.asVersion(Integer.toString(number),
                description == null ? latest.description() : description, UUID.randomUUID().toString());
        published.put(number, version);
        publishedFrom = latest;
        if (lastUpdateStatus == UpdateStatus.InProgress) {
            pendingVersions.add(version.version());
        }
        // Publishing changes $LATEST's RevisionId too (recorded), so a caller's RevisionId of before goes stale.
        latest = latest.withRevision(UUID.randomUUID().toString());
        return version;
    }

    /** {@code $LATEST} first, then the published versions in ascending order. */
    synchronized List<FunctionVersion> versions() {
        List<FunctionVersion> all = new ArrayList<>();
        all.add(latest);
        all.addAll(published.values());
        return all;
    }

    /**
     * Deletes a published version; one that does not exist is no error (AWS answers 204 again). A
     * version an alias points or routes to stays.
     */
    void deleteVersion(String version) {
        EnvironmentPool pool;
        synchronized (this) {
            List<String> users = aliases.values().stream()
                    .filter(alias -> alias.functionVersion().equals(version)
                            || alias.additionalVersionWeights().containsKey(version))
                    .map(Alias::name).toList();
            if (!users.isEmpty()) {
                throw LambdaException.conflict("Unable to delete version because the following aliases reference it: "
                        + users);
            }
            published.remove(Integer.parseInt(version));
            policies.remove(version);
            eventInvokeConfigs.remove(version);
            pool = pools.remove(version);
        }
        if (pool != null) {
            pool.close();
        }
    }

    synchronized boolean hasVersion(String version) {
        return version.equals(FunctionVersion.LATEST)
                || (isVersionNumber(version) && published.containsKey(Integer.parseInt(version)));
    }

    // ---- aliases --------------------------------------------------------------------------------

    synchronized Alias createAlias(String name, String functionVersion, String description,
                                   Map<String, Double> weights) {
        if (aliases.containsKey(name)) {
            throw LambdaException.conflict("Alias already exists: " + latest.functionArn() + ":" + name);
        }
        checkAliasTarget(functionVersion, weights);
        Alias alias = new Alias(name, functionVersion, description == null ? "" : description, weights,
                UUID.randomUUID().toString());
        aliases.put(name, alias);
        return alias;
    }

    /** Changes an alias; null arguments keep what it has. Always gives it a new RevisionId, as AWS does. */
    synchronized Alias updateAlias(String name, String functionVersion, String description,
                                   Map<String, Double> weights, String revisionId) {
        Alias existing = aliases.get(name);
        if (existing == null) {
            throw LambdaException.notFound("Alias not found: " + latest.functionArn() + ":" + name);
        }
        checkRevision(revisionId, existing.revisionId());
        String target = functionVersion == null ? existing.functionVersion() : functionVersion;
        Map<String, Double> routing = weights == null ? existing.additionalVersionWeights() : weights;
        checkAliasTarget(target, routing);
        Alias alias = new Alias(name, target, description == null ? existing.description() : description, routing,
                UUID.randomUUID().toString());
        aliases.put(name, alias);
        return alias;
    }

    private void checkAliasTarget(String functionVersion, Map<String, Double> weights) {
        if (!hasVersion(functionVersion)) {
            throw LambdaException.functionNotFound(latest.functionArn() + ":" + functionVersion);
        }
        if (weights.isEmpty()) {
            return;
        }
        if (functionVersion.equals(FunctionVersion.LATEST)) {
            throw LambdaException.invalidParameter("$LATEST is not supported for an alias pointing to more than 1 version");
        }
        String other = weights.keySet().iterator().next();
        if (other.equals(functionVersion)) {
            throw LambdaException.invalidParameter("Invalid function version " + functionVersion + ". Function version "
                    + functionVersion + " is already included in routing configuration.");
        }
        if (!hasVersion(other)) {
            throw LambdaException.functionNotFound(latest.functionArn() + ":" + other);
        }
    }

    synchronized Optional<Alias> alias(String name) {
        return Optional.ofNullable(aliases.get(name));
    }

    synchronized List<Alias> aliases() {
        return List.copyOf(aliases.values());
    }

    synchronized void deleteAlias(String name) {
        aliases.remove(name);
        policies.remove(name);
        eventInvokeConfigs.remove(name);
    }

    // ---- tags, policies, concurrency -------------------------------------------------------------

    synchronized Map<String, String> tags() {
        return new LinkedHashMap<>(tags);
    }

    synchronized void tag(Map<String, String> newTags, int limit) {
        Map<String, String> merged = new LinkedHashMap<>(tags);
        merged.putAll(newTags);
        if (merged.size() > limit) {
            throw LambdaException.invalidParameter("Number of tags exceeds resource tag limit.");
        }
        tags.putAll(newTags);
    }

    synchronized void untag(List<String> keys) {
        keys.forEach(tags::remove);
    }

    /** The resource policy of the function (qualifier null) or of one version or alias, if it has one. */
    synchronized Optional<ResourcePolicy> policy(String qualifier) {
        return Optional.ofNullable(policies.get(qualifier == null ? FUNCTION_POLICY : qualifier));
    }

    synchronized ResourcePolicy.Statement addPermission(String qualifier, ResourcePolicy.Statement statement,
                                                        String revisionId) {
        String key = qualifier == null ? FUNCTION_POLICY : qualifier;
        ResourcePolicy current = policies.getOrDefault(key, ResourcePolicy.EMPTY);
        if (revisionId != null && !revisionId.equals(current.statements().isEmpty()
                ? revisionOf(qualifier) : current.revisionId())) {
            throw LambdaException.policyPreconditionFailed();
        }
        policies.put(key, current.with(statement));
        return statement;
    }

    /** Before a resource has a policy, its RevisionId is that of the function, version or alias it is about. */
    private String revisionOf(String qualifier) {
        if (qualifier == null) {
            return latest.revisionId();
        }
        Alias alias = aliases.get(qualifier);
        if (alias != null) {
            return alias.revisionId();
        }
        FunctionVersion version = isVersionNumber(qualifier) ? published.get(Integer.parseInt(qualifier)) : null;
        return version == null ? latest.revisionId() : version.revisionId();
    }

    synchronized void removePermission(String qualifier, String statementId, String revisionId) {
        String key = qualifier == null ? FUNCTION_POLICY : qualifier;
        ResourcePolicy current = policies.get(key);
        if (current == null || current.statements().isEmpty()) {
            throw LambdaException.notFound("No policy is associated with the given resource.");
        }
        if (revisionId != null && !revisionId.equals(current.revisionId())) {
            throw LambdaException.policyPreconditionFailed();
        }
        ResourcePolicy rest = current.without(statementId);
        if (rest.statements().isEmpty()) {
            policies.remove(key);
        } else {
            policies.put(key, rest);
        }
    }

    synchronized Optional<Integer> reservedConcurrency() {
        return Optional.ofNullable(reservedConcurrency);
    }

    synchronized void reserveConcurrency(Integer reserved) {
        reservedConcurrency = reserved;
    }

    synchronized String recursiveLoop() {
        return recursiveLoop;
    }

    synchronized void recursiveLoop(String setting) {
        recursiveLoop = setting;
    }

    // ---- asynchronous invocation -----------------------------------------------------------------

    /** The event invoke config of {@code qualifier} ($LATEST, a version or an alias), if it has one. */
    synchronized Optional<EventInvokeConfig> eventInvokeConfig(String qualifier) {
        return Optional.ofNullable(eventInvokeConfigs.get(qualifier));
    }

    synchronized List<EventInvokeConfig> eventInvokeConfigs() {
        return List.copyOf(eventInvokeConfigs.values());
    }

    /** Sets the qualifier's config to what {@code change} makes of the one there (Put replaces it, Update merges). */
    synchronized Optional<EventInvokeConfig> changeEventInvokeConfig(String qualifier,
            Function<Optional<EventInvokeConfig>, Optional<EventInvokeConfig>> change) {
        Optional<EventInvokeConfig> changed = change.apply(Optional.ofNullable(eventInvokeConfigs.get(qualifier)));
        changed.ifPresent(config -> eventInvokeConfigs.put(qualifier, config));
        return changed;
    }

    synchronized boolean deleteEventInvokeConfig(String qualifier) {
        return eventInvokeConfigs.remove(qualifier) != null;
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
