package io.lambdasteprunner.step;

import io.lambdasteprunner.facts.LambdaRuntimes;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one source file of a custom-code function, named and addressed as its runtime expects:
 * Python {@code lambda_function.py} / {@code lambda_function.<fn>}, Node.js {@code index.js}
 * (CommonJS) or {@code index.mjs} (ES module, chosen from the code) / {@code index.<fn>}, Ruby
 * {@code lambda_function.rb} / {@code lambda_function.<fn>}.
 *
 * @param fileName the entry's name in the zip
 * @param handler  the full handler string Lambda is given
 * @param code     the source, variables expanded
 */
public record FunctionSource(String fileName, String handler, String code) {

    /** Bigger code cannot reach a step on AWS anyway: it would not fit Lambda's 6 MB request payload. */
    public static final int MAX_CODE_BYTES = 6 * 1024 * 1024;

    private static final Pattern PYTHON_FUNCTION = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern NODE_FUNCTION = Pattern.compile("[A-Za-z_$][A-Za-z0-9_$]*");
    private static final Pattern RUBY_FUNCTION =
            Pattern.compile("(?:[A-Z][A-Za-z0-9_]*(?:::[A-Z][A-Za-z0-9_]*)*\\.)?[a-z_][A-Za-z0-9_]*[?!]?");
    /** An ES module has a top-level import or export statement; CommonJS uses require and exports. */
    private static final Pattern ES_MODULE_SYNTAX = Pattern.compile(
            "^\\s*(?:export\\s+(?:default\\b|const\\b|let\\b|var\\b|async\\b|function\\b|class\\b|\\{|\\*)"
                    + "|import\\s*[\\w{*'\"])", Pattern.MULTILINE);

    public FunctionSource {
        Objects.requireNonNull(fileName, "fileName");
        Objects.requireNonNull(handler, "handler");
        Objects.requireNonNull(code, "code");
    }

    /** The handler function's name when the request gives none. */
    public static String defaultFunctionName(LambdaRuntimes.Family family) {
        return family == LambdaRuntimes.Family.NODEJS ? "handler" : "lambda_handler";
    }

    /**
     * Names the file and the handler for a runtime.
     *
     * @param runtime      an interpreted runtime (already checked)
     * @param functionName the "Name of Main Function", with or without the module prefix
     *                     ({@code lambda_handler} or {@code lambda_function.lambda_handler})
     * @throws StepFailure {@code InvalidStepRequest} for a handler the runtime could not load,
     *                     {@code CodeTooLarge} for code over {@link #MAX_CODE_BYTES}
     */
    public static FunctionSource forRuntime(String runtime, String functionName, String code) {
        LambdaRuntimes.Family family = LambdaRuntimes.familyOf(runtime)
                .orElseThrow(() -> new IllegalArgumentException("not a runtime: " + runtime));
        int size = code.getBytes(StandardCharsets.UTF_8).length;
        if (size > MAX_CODE_BYTES) {
            throw new StepFailure(StepError.CODE_TOO_LARGE, "code is " + size + " bytes; a step accepts at most "
                    + MAX_CODE_BYTES + " bytes (deploy bigger functions yourself and use action invoke)");
        }
        return switch (family) {
            case PYTHON -> named("lambda_function.py", "lambda_function", functionName, PYTHON_FUNCTION, runtime, code);
            case RUBY -> named("lambda_function.rb", "lambda_function", functionName, RUBY_FUNCTION, runtime, code);
            case NODEJS -> named(isEsModule(code) ? "index.mjs" : "index.js", "index", functionName,
                    NODE_FUNCTION, runtime, code);
            case JAVA, OTHER -> throw new IllegalArgumentException("not interpreted: " + runtime);
        };
    }

    /** Whether Node.js code is an ES module (top-level {@code import}/{@code export}). */
    public static boolean isEsModule(String code) {
        Matcher matcher = ES_MODULE_SYNTAX.matcher(code);
        return matcher.find();
    }

    private static FunctionSource named(String fileName, String module, String functionName, Pattern valid,
                                        String runtime, String code) {
        String bare = functionName.startsWith(module + ".") ? functionName.substring(module.length() + 1) : functionName;
        if (!valid.matcher(bare).matches()) {
            throw new StepFailure(StepError.INVALID_STEP_REQUEST, "handler '" + functionName
                    + "' is not a function name " + runtime + " can load from " + fileName
                    + " (give the function's name, e.g. " + module + "." + exampleName(runtime) + " or "
                    + exampleName(runtime) + ")");
        }
        return new FunctionSource(fileName, module + "." + bare, code);
    }

    private static String exampleName(String runtime) {
        return defaultFunctionName(LambdaRuntimes.familyOf(runtime).orElseThrow());
    }
}
