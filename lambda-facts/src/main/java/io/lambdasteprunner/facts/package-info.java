/**
 * Lambda's runtime identifiers as AWS names them today: which ones new functions may use, which are
 * deprecated, and which are interpreted (so a step can ship one source file). The one place this
 * list lives; both the step rules and the local Lambda service read it. Depends on nothing.
 */
package io.lambdasteprunner.facts;
