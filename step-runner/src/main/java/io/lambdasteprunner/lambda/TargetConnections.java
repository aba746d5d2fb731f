package io.lambdasteprunner.lambda;

import io.lambdasteprunner.step.TargetAccount;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * The Lambda clients and credentials a step needs to act in its {@link TargetAccount}: one Lambda client
 * per region, built on first use and kept for the container's life, and the credentials of each assumed
 * role session, which the SDK's {@link StsAssumeRoleCredentialsProvider} caches and refreshes before they
 * expire. The runner's own region and credentials take the client built at start, so a step that names
 * no target costs nothing more.
 *
 * <p>Thread-safe. {@link #close()} closes what it built.
 */
public final class TargetConnections implements AutoCloseable {

    /** Assumed-role sessions last an hour, STS's default; they are refreshed this long before they end. */
    static final Duration REFRESH_BEFORE_EXPIRY = Duration.ofMinutes(5);
    /** How many role sessions are kept; the oldest is closed past this (each execution has its own session). */
    static final int MAX_SESSIONS = 64;

    private final String runnersRegion;
    private final LambdaClient runnersClient;
    private final BiFunction<Region, AwsCredentialsProvider, LambdaClient> lambdaClients;
    private final Supplier<StsClient> stsClients;
    private StsClient sts;
    private final Map<Region, LambdaClient> clientsByRegion = new ConcurrentHashMap<>();
    private final Map<SessionKey, StsAssumeRoleCredentialsProvider> sessions = new LinkedHashMap<>(16, 0.75f, true);

    /** A Lambda client and the credentials to sign its calls with ({@code null}: the client's own). */
    public record Connection(LambdaClient client, AwsCredentialsProvider credentials) {
    }

    private record SessionKey(String roleArn, String externalId, String sessionName) {
    }

    /**
     * @param runnersRegion the region the runner runs in
     * @param runnersClient the Lambda client of the runner's own region and credentials
     * @param lambdaClients builds a Lambda client for another region (the runner's credentials)
     * @param stsClients    builds the STS client that assumes roles, with the runner's credentials: on first
     *                      use only, so a runner that assumes no role never builds it
     */
    public TargetConnections(String runnersRegion, LambdaClient runnersClient,
                             BiFunction<Region, AwsCredentialsProvider, LambdaClient> lambdaClients,
                             Supplier<StsClient> stsClients) {
        this.runnersRegion = runnersRegion;
        this.runnersClient = runnersClient;
        this.lambdaClients = lambdaClients;
        this.stsClients = stsClients;
    }

    /**
     * What a step uses to reach {@code target}.
     *
     * @param sessionName the role session's name, when a role is assumed: it shows in the target
     *                    account's CloudTrail ({@link RoleSessionNames})
     */
    public Connection connectionFor(TargetAccount target, String sessionName) {
        String region = target.regionOr(runnersRegion);
        LambdaClient client = region.equals(runnersRegion) ? runnersClient
                : clientsByRegion.computeIfAbsent(Region.of(region), other -> lambdaClients.apply(other, null));
        if (target.assumeRoleArn() == null) {
            return new Connection(client, null);
        }
        return new Connection(client, session(new SessionKey(target.assumeRoleArn(), target.externalId(), sessionName)));
    }

    private synchronized StsAssumeRoleCredentialsProvider session(SessionKey key) {
        StsAssumeRoleCredentialsProvider provider = sessions.get(key);
        if (provider == null) {
            if (sts == null) {
                sts = stsClients.get();
            }
            provider = StsAssumeRoleCredentialsProvider.builder()
                    .stsClient(sts)
                    .prefetchTime(REFRESH_BEFORE_EXPIRY)
                    .asyncCredentialUpdateEnabled(false)
                    .refreshRequest(request -> request.roleArn(key.roleArn()).externalId(key.externalId())
                            .roleSessionName(key.sessionName()))
                    .build();
            sessions.put(key, provider);
            if (sessions.size() > MAX_SESSIONS) {
                var eldest = sessions.entrySet().iterator();
                eldest.next().getValue().close();
                eldest.remove();
            }
        }
        return provider;
    }

    @Override
    public synchronized void close() {
        sessions.values().forEach(StsAssumeRoleCredentialsProvider::close);
        sessions.clear();
        clientsByRegion.values().forEach(LambdaClient::close);
        clientsByRegion.clear();
        if (sts != null) {
            sts.close();
        }
    }
}
