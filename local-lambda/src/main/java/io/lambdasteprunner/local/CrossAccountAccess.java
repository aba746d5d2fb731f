package io.lambdasteprunner.local;

import java.util.List;
import java.util.Optional;

/**
 * Another account's function, reached by its full ARN, where the function's resource-based policy lets
 * the caller's account act on it, as AWS lets it (recorded: LocalStack's TestLambdaMultiAccounts, a
 * statement with principal the other account and action {@code lambda:*}). AWS allows only some
 * operations across accounts; the others, and every call without such a statement, stay 403
 * {@code AccessDeniedException} ({@link FunctionRegistry#checkScope}).
 *
 * <p>What a statement grants is read as IAM reads it for an account principal: the principal is the
 * caller's account (its id, its root ARN) or {@code *}; the action is the operation's or matches it
 * with {@code *}; a statement with conditions ({@code SourceArn}, {@code SourceAccount},
 * {@code PrincipalOrgID}, an event source token) grants nothing to a plain API caller. A statement on
 * the function covers calls to the unqualified ARN (and {@code $LATEST}); one on a version or alias,
 * calls through that qualifier.
 */
final class CrossAccountAccess {

    /** An operation on one function: the reference in its path, its qualifier parameter, its IAM action. */
    record Access(String reference, String qualifier, String action) {
    }

    private CrossAccountAccess() {
    }

    /**
     * The scope of the function's account when the request names another account's function (in the
     * caller's region) whose policy grants the caller's account this operation; else empty, and the
     * request is answered in the caller's scope (where another account's ARN is refused).
     */
    static Optional<Scope> ownerGranting(ApiRequest request, Scope caller, FunctionScopes scopes) {
        Optional<Access> access = access(request);
        if (access.isEmpty()) {
            return Optional.empty();
        }
        try {
            FunctionName name = FunctionName.parse(access.get().reference());
            if (name.accountId() == null || name.accountId().equals(caller.accountId())
                    || (name.region() != null && !name.region().equals(caller.region()))) {
                return Optional.empty();
            }
            Scope owner = new Scope(name.accountId(), caller.region());
            Optional<LocalFunction> function = scopes.existing(owner).flatMap(registry -> registry.find(name));
            if (function.isEmpty()) {
                return Optional.empty();
            }
            String qualifier = name.qualifierWith(access.get().qualifier());
            String policyQualifier = qualifier == null || qualifier.equals(FunctionVersion.LATEST) ? null : qualifier;
            boolean granted = function.get().policy(policyQualifier)
                    .map(policy -> policy.statements().stream()
                            .anyMatch(statement -> grants(statement, caller.accountId(), access.get().action())))
                    .orElse(false);
            return granted ? Optional.of(owner) : Optional.empty();
        } catch (LambdaException e) {
            return Optional.empty(); // a reference the caller's own scope refuses in AWS's words
        }
    }

    static boolean grants(ResourcePolicy.Statement statement, String account, String action) {
        boolean conditioned = statement.sourceArn() != null || statement.sourceAccount() != null
                || statement.principalOrgId() != null || statement.eventSourceToken() != null;
        String principal = statement.principal();
        boolean principalMatches = principal.equals("*") || principal.equals(account)
                || principal.matches("arn:aws[a-zA-Z-]*:iam::" + account + ":root");
        return !conditioned && principalMatches && actionMatches(statement.action(), action);
    }

    /** IAM's action match: case-insensitive, {@code *} for any run of characters. */
    static boolean actionMatches(String pattern, String action) {
        StringBuilder regex = new StringBuilder();
        for (char c : pattern.toCharArray()) {
            regex.append(c == '*' ? ".*" : c == '?' ? "." : java.util.regex.Pattern.quote(String.valueOf(c)));
        }
        return java.util.regex.Pattern.compile(regex.toString(), java.util.regex.Pattern.CASE_INSENSITIVE)
                .matcher(action).matches();
    }

    /**
     * The operations AWS lets another account call on a function, by path and method (the list in
     * Lambda's developer guide, "Granting function access to other accounts").
     */
    static Optional<Access> access(ApiRequest request) {
        List<String> path = request.path();
        String method = request.method();
        String qualifier = request.query("Qualifier");
        if (path.size() >= 3 && path.get(0).equals("2015-03-31") && path.get(1).equals("functions")) {
            String reference = path.get(2);
            String resource = path.size() > 3 ? path.get(3) : "";
            String action = switch (path.size() + " " + resource + " " + method) {
                case "3  GET" -> "lambda:GetFunction";
                case "3  DELETE" -> "lambda:DeleteFunction";
                case "4 configuration GET" -> "lambda:GetFunctionConfiguration";
                case "4 code PUT" -> "lambda:UpdateFunctionCode";
                case "4 invocations POST" -> "lambda:InvokeFunction";
                case "4 versions POST" -> "lambda:PublishVersion";
                case "4 versions GET" -> "lambda:ListVersionsByFunction";
                case "4 aliases POST" -> "lambda:CreateAlias";
                case "4 aliases GET" -> "lambda:ListAliases";
                case "5 aliases GET" -> "lambda:GetAlias";
                case "5 aliases PUT" -> "lambda:UpdateAlias";
                case "5 aliases DELETE" -> "lambda:DeleteAlias";
                case "4 policy GET" -> "lambda:GetPolicy";
                default -> null;
            };
            return Optional.ofNullable(action).map(a -> new Access(reference, qualifier, a));
        }
        if (path.size() == 4 && path.get(0).equals("2017-10-31") && path.get(1).equals("functions")
                && path.get(3).equals("concurrency")) {
            String action = switch (method) {
                case "PUT" -> "lambda:PutFunctionConcurrency";
                case "DELETE" -> "lambda:DeleteFunctionConcurrency";
                default -> null;
            };
            return Optional.ofNullable(action).map(a -> new Access(path.get(2), null, a));
        }
        if (path.size() == 3 && path.get(0).equals("2017-03-31") && path.get(1).equals("tags")) {
            String action = switch (method) {
                case "GET" -> "lambda:ListTags";
                case "POST" -> "lambda:TagResource";
                case "DELETE" -> "lambda:UntagResource";
                default -> null;
            };
            return Optional.ofNullable(action).map(a -> new Access(path.get(2), null, a));
        }
        return Optional.empty();
    }
}
