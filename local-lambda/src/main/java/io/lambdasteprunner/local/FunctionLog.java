package io.lambdasteprunner.local;

import java.util.function.Consumer;

/**
 * A function's log, as its CloudWatch log group would hold it: bounded to the newest
 * {@value #MAX_CHARS} characters, and optionally echoed (the {@code serve} command prints it).
 */
final class FunctionLog {
    static final int MAX_CHARS = 1 << 20;

    private final StringBuilder text = new StringBuilder();
    private final Consumer<String> echo;

    FunctionLog(Consumer<String> echo) {
        this.echo = echo;
    }

    synchronized void append(String chunk) {
        text.append(chunk);
        if (text.length() > MAX_CHARS) {
            text.delete(0, text.length() - MAX_CHARS);
        }
        echo.accept(chunk);
    }

    synchronized String text() {
        return text.toString();
    }
}
