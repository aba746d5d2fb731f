package io.lambdasteprunner.local;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A function's log keeps its newest megabyte, and echoes everything appended to it. */
class FunctionLogTest {

    private final List<String> echoed = new ArrayList<>();
    private final FunctionLog log = new FunctionLog(echoed::add);

    @Test
    void keepsEverythingWhileSmall() {
        log.append("START RequestId: 1 Version: $LATEST\n");
        log.append("hello\n");

        assertEquals("START RequestId: 1 Version: $LATEST\nhello\n", log.text());
        assertEquals(List.of("START RequestId: 1 Version: $LATEST\n", "hello\n"), echoed);
    }

    @Test
    void keepsTheNewestMegabyteWhenFull() {
        String line = "x".repeat(999) + "\n";
        for (int i = 0; i < 3000; i++) {
            log.append(line);
        }
        log.append("the last line\n");

        String text = log.text();
        assertEquals(FunctionLog.MAX_CHARS, text.length());
        assertTrue(text.endsWith(line + "the last line\n"));
        assertEquals(3001, echoed.size());
    }

    @Test
    void keepsTheEndOfOneHugeChunk() {
        log.append("a".repeat(FunctionLog.MAX_CHARS) + "tail\n");

        String text = log.text();
        assertEquals(FunctionLog.MAX_CHARS, text.length());
        assertTrue(text.endsWith("tail\n"));
    }
}
