package io.lambdasteprunner.handler;

import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.OutputStreamAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;

import java.io.OutputStream;

/** Test helper: sends what the configured JSON appender would write, with its layout, to a stream instead. */
public final class JsonLogCapture {
    private JsonLogCapture() {
    }

    /** Redirects every logger of the context's current configuration from {@code JsonAppender} to {@code target}. */
    public static void redirect(LoggerContext context, OutputStream target) {
        Configuration configuration = context.getConfiguration();
        Appender capture = OutputStreamAppender.newBuilder().setName("capture")
                .setLayout(configuration.getAppender("JsonAppender").getLayout()).setTarget(target).build();
        capture.start();
        configuration.addAppender(capture);
        for (LoggerConfig logger : configuration.getLoggers().values()) {
            logger.removeAppender("JsonAppender");
            logger.addAppender(capture, null, null);
        }
        context.updateLoggers();
    }
}
