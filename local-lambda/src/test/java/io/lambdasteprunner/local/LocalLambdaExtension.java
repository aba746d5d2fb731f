package io.lambdasteprunner.local;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import software.amazon.awssdk.services.lambda.LambdaClient;

/**
 * A local Lambda service and a real SDK client for one test class:
 * {@code @RegisterExtension static final LocalLambdaExtension local = new LocalLambdaExtension();}
 */
public final class LocalLambdaExtension implements BeforeAllCallback, AfterAllCallback {
    private final LocalLambdaConfig config;
    private LocalLambdaService service;
    private LambdaClient lambda;
    /** The context that started the service: @Nested classes see this extension's callbacks too. */
    private String owner;

    public LocalLambdaExtension() {
        this(LocalLambdaConfig.defaults());
    }

    public LocalLambdaExtension(LocalLambdaConfig config) {
        this.config = config;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (service != null) {
            return;
        }
        owner = context.getUniqueId();
        service = LocalLambdaService.start(config);
        lambda = LocalLambda.client(service);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (!context.getUniqueId().equals(owner)) {
            return;
        }
        lambda.close();
        service.close();
        service = null;
    }

    public LocalLambdaService service() {
        return service;
    }

    public LambdaClient lambda() {
        return lambda;
    }
}
