package io.lambdasteprunner.local;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A function's (or a version's or alias's) resource-based policy as AddPermission builds it: the
 * statements in the order they were added, and a RevisionId that changes with each change. The
 * local service keeps it and answers it back; it does not evaluate it (every local caller may invoke).
 */
record ResourcePolicy(List<Statement> statements, String revisionId) {

    static final ResourcePolicy EMPTY = new ResourcePolicy(List.of(), null);

    ResourcePolicy {
        statements = List.copyOf(statements);
    }

    /**
     * One statement, as AddPermission's request gives it (AWS turns it into IAM policy JSON).
     *
     * @param resource the ARN the statement is about: the function's, or a version's or alias's
     */
    record Statement(String statementId, String action, String principal, String resource, String sourceArn,
                     String sourceAccount, String eventSourceToken, String principalOrgId,
                     String functionUrlAuthType) {
    }

    ResourcePolicy with(Statement statement) {
        if (statements.stream().anyMatch(s -> s.statementId().equals(statement.statementId()))) {
            throw LambdaException.conflict("The statement id (" + statement.statementId() + ") provided already exists. "
                    + "Please provide a new statement id, or remove the existing statement.");
        }
        List<Statement> more = new ArrayList<>(statements);
        more.add(statement);
        return new ResourcePolicy(more, UUID.randomUUID().toString());
    }

    ResourcePolicy without(String statementId) {
        List<Statement> rest = statements.stream().filter(s -> !s.statementId().equals(statementId)).toList();
        if (rest.size() == statements.size()) {
            throw LambdaException.notFound("Statement " + statementId + " is not found in resource policy.");
        }
        return new ResourcePolicy(rest, UUID.randomUUID().toString());
    }
}
