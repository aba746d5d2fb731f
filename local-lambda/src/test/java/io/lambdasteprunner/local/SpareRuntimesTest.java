package io.lambdasteprunner.local;

import io.lambdasteprunner.facts.LambdaRuntimes.Family;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which functions a spare runtime may run (those whose variables no interpreter reads as it starts),
 * and the spares' life: one per language, replaced on request, none left after close. The spares
 * here are {@code sleep} processes: what they run is the bootstraps' business, tested in
 * {@code SpareRuntimesIT}.
 */
class SpareRuntimesTest {

    @TempDir
    Path temp;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final ProcessStarter processes = new ProcessStarter();
    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stop() {
        executor.shutdownNow();
        started.forEach(Process::destroyForcibly);
        processes.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"PYTHONPATH", "PYTHONHASHSEED", "PYTHONWARNINGS", "NODE_OPTIONS", "NODE_PATH",
            "NODE_EXTRA_CA_CERTS", "UV_THREADPOOL_SIZE", "RUBYOPT", "RUBYLIB", "GEM_PATH", "BUNDLE_GEMFILE",
            "LD_PRELOAD", "LD_LIBRARY_PATH", "LC_ALL", "LANG", "LANGUAGE", "TZ", "HOME", "PATH", "TMPDIR",
            "MALLOC_ARENA_MAX", "OPENSSL_CONF", "SSL_CERT_FILE"})
    void shouldStartAFreshProcessWhenAFunctionSetsAVariableReadAtStart(String name) {
        assertFalse(SpareRuntimes.canServe(Map.of("GREETING", "hi", name, "x")), name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"GREETING", "TABLE_NAME", "LOG_LEVEL", "AWS_ENDPOINT_URL_LAMBDA", "POWERTOOLS_SERVICE_NAME",
            "MY_PYTHONPATH", "NODEJS_HOME_DIR"})
    void shouldUseASpareForOrdinaryVariables(String name) {
        assertTrue(SpareRuntimes.canServe(Map.of(name, "x")), name);
        assertTrue(SpareRuntimes.canServe(Map.of()));
    }

    @Test
    void shouldStartASpareOnlyOnceALanguageIsUsedAndOnlyOnePerLanguage() throws Exception {
        SpareRuntimes<Family> spares = new SpareRuntimes<>(this::sleeper, executor);

        assertEquals(Optional.empty(), spares.take(Family.PYTHON), "none before first use");
        awaitSpares(spares, 1);
        spares.replenish(Family.PYTHON);
        spares.replenish(Family.PYTHON);
        Thread.sleep(50);

        assertEquals(1, spares.processes().size(), "one per language, however often asked");
        assertEquals(Optional.empty(), spares.take(Family.RUBY), "each language its own");
        awaitSpares(spares, 2);
        spares.close();
    }

    @Test
    void shouldStartTheNextSpareAMomentLaterWhenAskedToWait() throws Exception {
        // Given the Python spare taken by a function
        SpareRuntimes<Family> spares = new SpareRuntimes<>(this::sleeper, executor);
        spares.take(Family.PYTHON);
        awaitSpares(spares, 1);
        spares.take(Family.PYTHON).orElseThrow();

        // When its function has run its first invoke and asks for the next spare in a while
        spares.replenishAfter(Family.PYTHON, java.time.Duration.ofSeconds(2));

        // Then none starts meanwhile, and one starts once the while is over
        Thread.sleep(200);
        assertEquals(List.of(), spares.processes(), "not while the function's next calls may run");
        awaitSpares(spares, 1);
        spares.close();
    }

    @Test
    void shouldStartOnlyOneSpareWhenTheFunctionIsGoneBeforeTheDelay() throws Exception {
        // Given a spare taken, whose function asked for the next one in a while
        SpareRuntimes<Family> spares = new SpareRuntimes<>(this::sleeper, executor);
        spares.take(Family.RUBY);
        awaitSpares(spares, 1);
        spares.take(Family.RUBY).orElseThrow();
        spares.replenishAfter(Family.RUBY, java.time.Duration.ofMillis(300));

        // When the function is deleted first (its environment gone), which asks at once
        spares.replenish(Family.RUBY);
        ProcessHandle next = awaitSpares(spares, 1).get(0);
        Thread.sleep(600);

        // Then the delayed request finds that spare and starts none
        assertEquals(List.of(next), spares.processes());
        spares.close();
    }

    @Test
    void shouldNotHandOutASpareThatDiedAndStartAnother() throws Exception {
        SpareRuntimes<Family> spares = new SpareRuntimes<>(this::sleeper, executor);
        spares.take(Family.NODEJS);
        ProcessHandle first = awaitSpares(spares, 1).get(0);
        first.destroyForcibly();
        first.onExit().get(5, TimeUnit.SECONDS);

        assertEquals(Optional.empty(), spares.take(Family.NODEJS));
        ProcessHandle second = awaitSpares(spares, 1).get(0);
        assertTrue(second.pid() != first.pid());
        assertEquals(second.pid(), spares.take(Family.NODEJS).orElseThrow().process().pid());
        assertEquals(List.of(), spares.processes(), "taken, and not replaced until asked");
        spares.close();
    }

    @Test
    void shouldLeaveNoSpareAliveAfterCloseEvenOneBeingStarted() throws Exception {
        CountDownLatch starting = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        SpareRuntimes<Family> spares = new SpareRuntimes<>(family -> {
            if (family == Family.RUBY) {
                starting.countDown();
                awaitQuietly(release);
            }
            return sleeper(family);
        }, executor);
        spares.take(Family.PYTHON);
        ProcessHandle idle = awaitSpares(spares, 1).get(0);
        spares.take(Family.RUBY);
        assertTrue(starting.await(5, TimeUnit.SECONDS));

        Thread closer = new Thread(spares::close);
        closer.start();
        Thread.sleep(50);
        release.countDown();
        closer.join(10_000);

        assertFalse(idle.isAlive(), "the idle spare is killed");
        assertTrue(started.stream().noneMatch(Process::isAlive), "the one being started is killed too");
        spares.replenish(Family.PYTHON);
        Thread.sleep(50);
        assertEquals(List.of(), spares.processes(), "none starts after close");
    }

    private SpareRuntimes.Spare sleeper(Family family) {
        try {
            Path directory = RuntimeProcess.createDirectory(Files.createTempDirectory(temp, "spare-"));
            RuntimeProcess process = RuntimeProcess.start(processes, List.of("sleep", "60"), Map.of(), directory,
                    directory, false, true);
            synchronized (started) {
                started.add(process.process());
            }
            return new SpareRuntimes.Spare(process);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<ProcessHandle> awaitSpares(SpareRuntimes<?> spares, int count) throws InterruptedException {
        for (int i = 0; i < 500 && spares.processes().size() < count; i++) {
            Thread.sleep(10);
        }
        assertEquals(count, spares.processes().size());
        return spares.processes();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
