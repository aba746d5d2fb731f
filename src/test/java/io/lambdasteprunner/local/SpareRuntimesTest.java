package io.lambdasteprunner.local;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which functions a spare runtime may run: those whose variables no interpreter reads as it starts. */
class SpareRuntimesTest {

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
}
