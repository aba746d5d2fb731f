package io.lambdasteprunner.step;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lambdasteprunner.step.LambdaGateway.FunctionSummary;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Deletes the functions custom-code steps left behind: a step that ran out of time, a delete Lambda
 * refused, a step with {@code deleteAfterExecution: false}, a runner container that was stopped
 * between create and delete. Runs as {@code {"action": "sweep"}}, normally from an hourly schedule.
 *
 * <p>A function is deleted only when a {@link Rule} says it is due. {@link #generatedOlderThan} asks for all
 * of: a generated name ({@code <prefix>-<millis>-<8 hex>}), the marker tag {@link StepRunner#CREATED_TAG},
 * and an age from that tag of at least the configured age. {@link #idleLongerThan} takes reusable
 * functions ({@code <prefix>-reuse-<24 hex>}, the marker tag) whose last use is older than that age. Any
 * other function is never deleted, whatever its name or tags. Another kind of function the runner keeps
 * is one more {@code Rule}.
 *
 * <p>It lists every function first (ListFunctions, all pages), reads the tags only of those whose
 * name a rule may concern, then deletes. A delete that fails is reported and left for the next sweep.
 * Thread-safe.
 */
public final class OrphanSweeper {

    /** Time kept back from the handler's deadline so the sweep can still answer. */
    static final Duration ANSWER_RESERVE = Duration.ofSeconds(2);

    private final LambdaGateway lambda;
    private final List<Rule> rules;
    private final Clock clock;

    public OrphanSweeper(LambdaGateway lambda, List<Rule> rules, Clock clock) {
        this.lambda = lambda;
        this.rules = List.copyOf(rules);
        this.clock = clock;
    }

    /**
     * The sweeper of a deployment: generated functions older than {@link StepConfig#orphanMaxAge()}, and
     * reusable functions ({@code "reuse": true}) idle for longer than that. The generated rule's strict name
     * shape never matches a reusable function's name, so a reusable function in use is never swept.
     */
    public static OrphanSweeper forConfig(LambdaGateway lambda, StepConfig config, Clock clock) {
        String prefix = config.generatedFunctionPrefix();
        return new OrphanSweeper(lambda, List.of(generatedOlderThan(prefix, config.orphanMaxAge()),
                idleLongerThan(name -> ReusableFunctions.isReusableName(prefix, name), ReusableFunctions.LAST_USED_TAG,
                        config.orphanMaxAge())), clock);
    }

    /** Which functions the sweeper may delete. Implementations must be pure and thread-safe. */
    public interface Rule {

        /** Whether a function may be this rule's, from its listing alone (saves a ListTags call per function). */
        boolean mayConcern(FunctionSummary function);

        /**
         * Why a function is due for deletion, or empty to keep it.
         *
         * @param tags the function's tags (ListTags)
         * @param now  the sweep's clock
         */
        Optional<String> due(FunctionSummary function, Map<String, String> tags, Instant now);
    }

    /**
     * Functions made by custom-code steps: named {@code <prefix>-<millis>-<8 hex>}, tagged {@link StepRunner#CREATED_TAG}
     * and created at least {@code maxAge} ago (from the tag's time; from LastModified when the tag's value is
     * not a time). With no readable time at all the function is kept.
     */
    public static Rule generatedOlderThan(String prefix, Duration maxAge) {
        FunctionNames names = new FunctionNames(prefix, Clock.systemUTC(), new java.util.Random());
        return new Rule() {
            @Override
            public boolean mayConcern(FunctionSummary function) {
                return names.isGenerated(function.functionName());
            }

            @Override
            public Optional<String> due(FunctionSummary function, Map<String, String> tags, Instant now) {
                if (!mayConcern(function) || !tags.containsKey(StepRunner.CREATED_TAG)) {
                    return Optional.empty();
                }
                Instant created = parseInstant(tags.get(StepRunner.CREATED_TAG)).orElse(function.lastModified());
                if (created == null || Duration.between(created, now).compareTo(maxAge) < 0) {
                    return Optional.empty();
                }
                return Optional.of("generated " + created + ", older than " + maxAge.toMinutes() + " minutes");
            }
        };
    }

    /**
     * Functions the runner keeps on purpose (reusable ones): named as {@code isName} says, tagged
     * {@link StepRunner#CREATED_TAG}, and last used (the time in {@code lastUsedTag}, else the created tag)
     * at least {@code maxIdle} ago. With no readable time the function is kept.
     *
     * @param isName      whether a name is one of these functions' names (checked before any ListTags)
     * @param lastUsedTag the tag steps refresh when they use the function; it must be refreshed far more
     *                    often than {@code maxIdle}
     */
    public static Rule idleLongerThan(java.util.function.Predicate<String> isName, String lastUsedTag,
                                      Duration maxIdle) {
        return new Rule() {
            @Override
            public boolean mayConcern(FunctionSummary function) {
                return isName.test(function.functionName());
            }

            @Override
            public Optional<String> due(FunctionSummary function, Map<String, String> tags, Instant now) {
                if (!mayConcern(function) || !tags.containsKey(StepRunner.CREATED_TAG)) {
                    return Optional.empty();
                }
                Optional<Instant> lastUsed = parseInstant(tags.get(lastUsedTag))
                        .or(() -> parseInstant(tags.get(StepRunner.CREATED_TAG)));
                if (lastUsed.isEmpty() || Duration.between(lastUsed.get(), now).compareTo(maxIdle) < 0) {
                    return Optional.empty();
                }
                return Optional.of("last used " + lastUsed.get() + ", idle longer than " + maxIdle.toMinutes()
                        + " minutes");
            }
        };
    }

    /**
     * Lists, picks and deletes.
     *
     * @param deadline when the sweep must answer; functions not reached by then are left for the next sweep
     * @throws StepFailure when the functions cannot be listed ({@code Throttled}, {@code LambdaUnavailable},
     *                     {@code LambdaAccessDenied}); a failed ListTags or delete is reported in the result
     */
    public SweepResult sweep(Deadline deadline) {
        Deadline until = deadline.minus(ANSWER_RESERVE);
        Instant now = clock.instant();
        List<FunctionSummary> functions = lambda.listFunctions();
        List<String> deleted = new ArrayList<>();
        List<SweepResult.Failure> failed = new ArrayList<>();
        int candidates = 0;
        boolean complete = true;
        for (FunctionSummary function : functions) {
            if (rules.stream().noneMatch(rule -> rule.mayConcern(function))) {
                continue;
            }
            candidates++;
            if (until.remaining().isZero()) {
                complete = false;
                break;
            }
            try {
                Map<String, String> tags = lambda.tags(function.functionArn());
                if (rules.stream().anyMatch(rule -> rule.due(function, tags, now).isPresent())) {
                    lambda.deleteFunction(function.functionName());
                    deleted.add(function.functionName());
                }
            } catch (StepFailure e) {
                if (e.error() != StepError.FUNCTION_NOT_FOUND) {
                    // Gone already (a step deleted it meanwhile) is not a failure.
                    failed.add(new SweepResult.Failure(function.functionName(), e.error(), e.getMessage()));
                }
            }
        }
        return new SweepResult(functions.size(), candidates, deleted, failed, complete);
    }

    /**
     * What a sweep did.
     *
     * @param examined   how many functions the account lists
     * @param candidates how many of them a rule may concern (by name)
     * @param deleted    the functions deleted
     * @param failed     the functions due that could not be deleted (or whose tags could not be read)
     * @param complete   false when the deadline stopped the sweep before every candidate was looked at
     */
    public record SweepResult(int examined, int candidates, List<String> deleted, List<Failure> failed,
                              boolean complete) {
        public SweepResult {
            deleted = List.copyOf(deleted);
            failed = List.copyOf(failed);
        }

        /** A function the sweep could not delete, with the named error and Lambda's message. */
        public record Failure(String functionName, StepError error, String message) {
        }

        /** {@code {"sweep": {"deleted": [...], "failed": [{"functionName", "error", "message"}], ...}}}, every name listed. */
        public ObjectNode toJson() {
            return toJson(Integer.MAX_VALUE);
        }

        /**
         * The report within {@code maxBytes}: the counts ({@code deletedCount}, {@code failedCount}) always,
         * and as many names of each list as fit, the first ones. {@code listsShortened} says some were left
         * out (the runner's {@code sweep finished} log line names them all).
         */
        public ObjectNode toJson(int maxBytes) {
            ObjectNode full = report(deleted.size(), failed.size(), false);
            if (bytes(full) <= maxBytes) {
                return full;
            }
            // Halve the names kept until the report fits, then give back what still fits: the report
            // is measured about 2 log2(n) times, never once per name.
            int low = 0;
            int high = deleted.size() + failed.size();
            while (low < high) {
                int middle = (low + high + 1) >>> 1;
                if (bytes(keeping(middle)) <= maxBytes) {
                    low = middle;
                } else {
                    high = middle - 1;
                }
            }
            return keeping(low);
        }

        /** The report with the first {@code names} names: failures first (they need a person), then deletions. */
        private ObjectNode keeping(int names) {
            int failures = Math.min(names, failed.size());
            return report(Math.min(names - failures, deleted.size()), failures, true);
        }

        private static int bytes(ObjectNode report) {
            return report.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        }

        private ObjectNode report(int deletedListed, int failedListed, boolean shortened) {
            ObjectNode sweep = JsonNodeFactory.instance.objectNode();
            ArrayNode deletedNames = sweep.putArray("deleted");
            deleted.subList(0, deletedListed).forEach(deletedNames::add);
            ArrayNode failures = sweep.putArray("failed");
            for (Failure failure : failed.subList(0, failedListed)) {
                failures.addObject().put("functionName", failure.functionName())
                        .put("error", failure.error().errorName()).put("message", failure.message());
            }
            sweep.put("deletedCount", deleted.size());
            sweep.put("failedCount", failed.size());
            if (shortened) {
                sweep.put("listsShortened", true);
            }
            sweep.put("examined", examined);
            sweep.put("candidates", candidates);
            sweep.put("complete", complete);
            ObjectNode root = JsonNodeFactory.instance.objectNode();
            root.set("sweep", sweep);
            return root;
        }
    }

    private static Optional<Instant> parseInstant(String text) {
        try {
            return Optional.of(Instant.parse(text));
        } catch (DateTimeParseException | NullPointerException e) {
            return Optional.empty();
        }
    }
}
