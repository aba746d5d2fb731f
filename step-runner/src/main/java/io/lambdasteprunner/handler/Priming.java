package io.lambdasteprunner.handler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lambdasteprunner.step.LambdaGateway;
import io.lambdasteprunner.step.ReseedableRandom;
import io.lambdasteprunner.step.StepRequestParser;
import io.lambdasteprunner.step.StepResult;
import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.lambda.LambdaClient;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.function.Supplier;

/**
 * Cold-start work done early, where it costs least.
 *
 * <ul>
 *   <li>{@link #whileWarming}: the local paths (Jackson, the request parser, log4j2 with its JSON
 *       layout, about half a second together) are initialised on a second thread while the calling
 *       thread builds the SDK client, the other half-second. Both are done before the constructor returns.</li>
 *   <li>{@link #forSnapshot}: with SnapStart, a CRaC {@link Resource} whose {@code beforeCheckpoint}
 *       runs the local paths once more, writes one log line through the JSON layout, and makes one
 *       cheap SDK call the runner's role allows ({@code ListFunctions} for one function, which the
 *       orphan sweeper needs anyway; any answer will do), so the snapshot holds a JIT-warm client,
 *       signer, HTTP stack and response parser, and CloudTrail records no AccessDenied.</li>
 *   <li>{@link #restoreSafeRandom}: the randomness behind generated names and jitter, reseeded by a
 *       CRaC {@code afterRestore} hook, so environments restored from one snapshot draw different
 *       sequences.</li>
 * </ul>
 * Priming never fails the handler: a failure only means a slower first request.
 */
final class Priming {

    private static final Logger LOG = LoggerFactory.getLogger(Priming.class);
    /** CRaC keeps only weak references to resources. */
    private static final List<Resource> SNAPSHOT_RESOURCES = new ArrayList<>();

    private static final String INVOKE_STEP = """
            {"action": "invoke", "functionName": "priming-function:live",
             "payload": {"host": "${option.host}", "n": [1, 2.5, true, null]},
             "clientContext": {"custom": {"a": "b"}}, "variables": {"option": {"host": "web-1"}}}""";
    private static final String CUSTOM_CODE_STEP = """
            {"action": "customCode", "runtime": "python3.13",
             "code": "def lambda_handler(event, context):\\n    return event\\n", "handler": "lambda_handler",
             "environment": {"STAGE": "prod"}, "tags": {"team": "ops"}, "timeoutSeconds": 10, "memorySize": 256}""";
    private static final String API_EVENT = """
            {"resource": "/steps", "path": "/steps", "httpMethod": "POST",
             "headers": {"content-type": "application/json"}, "requestContext": {"stage": "prod"},
             "body": "{\\"action\\": \\"invoke\\", \\"functionName\\": \\"priming-function\\"}",
             "isBase64Encoded": false}""";

    private Priming() {
    }

    /** Runs {@code work} (building the SDK client) while another thread warms the local paths. */
    static <T> T whileWarming(Supplier<T> work) {
        FutureTask<Void> warm = new FutureTask<>(() -> {
            warmLocalPaths();
            return null;
        });
        Thread thread = new Thread(warm, "cold-start-priming");
        thread.setDaemon(true);
        thread.start();
        T result = work.get();
        try {
            warm.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            // Only a slower first request.
        }
        return result;
    }

    /** Jackson, the parser, results, events and the logger: everything a request touches but the network. */
    static void warmLocalPaths() {
        ObjectMapper mapper = new ObjectMapper();
        EventJson json = new EventJson(mapper);
        StepRequestParser parser = new StepRequestParser();
        ApiGatewayProxy api = new ApiGatewayProxy(mapper);
        for (String text : List.of(INVOKE_STEP, CUSTOM_CODE_STEP, API_EVENT)) {
            switch (IncomingEvent.of(json.read(text, "the event"))) {
                case IncomingEvent.Direct direct -> parser.parseRequest(direct.request());
                case IncomingEvent.ApiGateway call -> api.answer(call, request -> {
                    parser.parseRequest(request);
                    return request;
                });
                case IncomingEvent.EventBridge bridged -> parser.parseRequest(bridged.detail());
                case IncomingEvent.Scheduled scheduled -> {
                }
            }
        }
        try {
            LambdaGateway.InvocationResult invoked = new LambdaGateway.InvocationResult(200, null,
                    "START RequestId: 1 Version: $LATEST\nEND RequestId: 1\n", "{\"ok\":true}", "$LATEST");
            JsonNode result = StepResult.invoked("priming-function", true, invoked, mapper.readTree(invoked.payload()))
                    .withDeleted(true).toJson();
            mapper.writeValue(new ByteArrayOutputStream(), result);
            mapper.readTree(result.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // Loads log4j2, its configuration and the JSON template layout.
        LoggerFactory.getLogger(StepTelemetry.class).isInfoEnabled();
    }

    /**
     * Registers the SnapStart priming hook; where the JVM has no CRaC (outside SnapStart) it is never
     * called.
     *
     * @return the registered resource (kept reachable here; returned for tests)
     */
    static Resource forSnapshot(LambdaClient client) {
        Resource resource = new Resource() {
            @Override
            public void beforeCheckpoint(Context<? extends Resource> context) {
                warmLocalPaths();
                LOG.info("priming before the SnapStart snapshot");
                try {
                    client.listFunctions(request -> request.maxItems(1));
                } catch (SdkException | UnsupportedOperationException anyAnswer) {
                    // The request and the error path are warm too; that is all priming wants.
                }
            }

            @Override
            public void afterRestore(Context<? extends Resource> context) {
                // Nothing to renew: the SDK resolves credentials per request and drops idle connections.
            }
        };
        return registered(resource);
    }

    /**
     * A random generator reseeded after every SnapStart restore (see {@link #reseedAfterRestore}).
     * Outside SnapStart the hook never runs and the generator keeps its first seed.
     */
    static ReseedableRandom restoreSafeRandom() {
        ReseedableRandom random = new ReseedableRandom();
        reseedAfterRestore(random);
        return random;
    }

    /**
     * Registers the hook that reseeds {@code random} after a restore; before the checkpoint it reseeds
     * once too, so the entropy source is loaded into the snapshot and the restore reads only the seed.
     *
     * @return the registered resource (kept reachable here; returned for tests)
     */
    static Resource reseedAfterRestore(ReseedableRandom random) {
        return registered(new Resource() {
            @Override
            public void beforeCheckpoint(Context<? extends Resource> context) {
                random.reseed();
            }

            @Override
            public void afterRestore(Context<? extends Resource> context) {
                random.reseed();
            }
        });
    }

    private static Resource registered(Resource resource) {
        synchronized (SNAPSHOT_RESOURCES) {
            SNAPSHOT_RESOURCES.add(resource);
        }
        Core.getGlobalContext().register(resource);
        return resource;
    }
}
