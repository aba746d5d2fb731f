/**
 * The step model and its rules: the request as the user writes it, data variables, validation,
 * role scoping, the result's context variables and the named errors. Knows nothing of HTTP or of
 * how Lambda is called: it talks to Lambda through the interface in {@code lambda}.
 */
package io.lambdasteprunner.step;
