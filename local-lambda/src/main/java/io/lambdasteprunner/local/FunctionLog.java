package io.lambdasteprunner.local;

import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * A function's log, as its CloudWatch log group would hold it: bounded to the newest
 * {@value #MAX_CHARS} characters, and optionally echoed (the {@code serve} command prints it).
 *
 * <p>Kept as the chunks that were appended, the oldest dropped whole as new ones arrive: a full log costs
 * an append no more than the chunk (cutting the front off one megabyte of text on every append was a
 * tenth of a warm invoke's time).
 */
final class FunctionLog {
    static final int MAX_CHARS = 1 << 20;

    private final ArrayDeque<String> chunks = new ArrayDeque<>();
    private final Consumer<String> echo;
    private int length;

    FunctionLog(Consumer<String> echo) {
        this.echo = echo;
    }

    synchronized void append(String chunk) {
        if (chunk.isEmpty()) {
            return;
        }
        String kept = chunk.length() > MAX_CHARS ? chunk.substring(chunk.length() - MAX_CHARS) : chunk;
        chunks.addLast(kept);
        length += kept.length();
        while (length - chunks.getFirst().length() >= MAX_CHARS) {
            length -= chunks.removeFirst().length();
        }
        echo.accept(chunk);
    }

    /** The newest {@value #MAX_CHARS} characters. */
    synchronized String text() {
        StringBuilder text = new StringBuilder(length);
        chunks.forEach(text::append);
        return text.length() > MAX_CHARS ? text.substring(text.length() - MAX_CHARS) : text.toString();
    }
}
