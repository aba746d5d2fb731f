package io.lambdasteprunner.local;

import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Starts the service's runtime processes, all from one thread that lives as long as the service.
 *
 * <p>bwrap's {@code --die-with-parent} uses {@code PR_SET_PDEATHSIG}, which fires when the
 * <em>thread</em> that started the process ends, not the process: a sandbox started from a pooled
 * request thread would be killed when that thread retires. Started from here, sandboxes die with the
 * service (this thread ends with the JVM or at {@link #close()}), and only then.
 */
final class ProcessStarter implements AutoCloseable {
    private final ExecutorService thread = Executors.newSingleThreadExecutor(runnable -> {
        Thread starter = new Thread(runnable, "local-lambda-process-starter");
        starter.setDaemon(true);
        return starter;
    });

    Process start(ProcessBuilder builder) throws IOException {
        try {
            return thread.submit(builder::start).get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IllegalStateException("could not start " + builder.command().get(0), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting " + builder.command().get(0), e);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            throw new IOException("the local Lambda service is stopping", e);
        }
    }

    /** Ends the thread, and with it (through bwrap) every sandbox still running. Call after the processes are killed. */
    @Override
    public void close() {
        thread.shutdownNow();
    }
}
