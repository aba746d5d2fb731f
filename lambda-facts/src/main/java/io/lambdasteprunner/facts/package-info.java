/**
 * Facts about AWS Lambda that neither the runner nor the local service owns: {@link
 * io.lambdasteprunner.facts.LambdaRuntimes} (which runtimes new functions may use) and {@link
 * io.lambdasteprunner.facts.LambdaLimits} (payload, client context, code, name, environment and
 * configuration limits, and the {@code LastModified} format). The one place these live; both the
 * step rules and the local Lambda service read them. Depends on nothing.
 */
package io.lambdasteprunner.facts;
