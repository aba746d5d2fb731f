package io.lambdasteprunner.sam;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.Construct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The least-privilege rules of issue 5, one test each, read from {@code template.yaml} (CloudFormation's
 * short-form functions such as {@code !Sub} become their long form, {@code {"Fn::Sub": ...}}): no
 * {@code *} resource on a Lambda write action or on {@code iam:PassRole}; PassRole only for the roles a
 * step may use and only to Lambda; the API only with IAM authorisation; and the rights the orphan
 * sweeper needs, scoped the same way.
 */
class TemplateIamTest {

    /** Lambda actions that change or run something (IAM's Write and Permissions management levels). */
    private static final Pattern LAMBDA_WRITE = Pattern.compile("lambda:(Create|Delete|Update|Put|Publish|Tag|Untag"
            + "|Add|Remove|Invoke|Enable|Disable)\\w*|lambda:\\*|\\*");
    private static final Pattern PASS_ROLE = Pattern.compile("iam:PassRole|iam:\\*|iam:Pass\\*|\\*");

    private static Map<String, Object> template;
    private static Map<String, Object> resources;

    @BeforeAll
    static void readTemplate() throws IOException {
        template = new Yaml(new CloudFormationConstructor()).load(Files.readString(Path.of("template.yaml")));
        resources = map(template.get("Resources"));
    }

    @Test
    void shouldGiveNoLambdaWriteActionAWildcardResource() {
        List<Map<String, Object>> statements = allowStatements();
        assertFalse(statements.isEmpty());
        for (Map<String, Object> statement : statements) {
            if (actions(statement).stream().noneMatch(action -> LAMBDA_WRITE.matcher(action).matches())) {
                continue;
            }
            for (Object resource : list(statement.get("Resource"))) {
                String text = render(resource);
                assertFalse(text.equals("*") || text.endsWith(":function:*") || text.endsWith(":function:*:*")
                        || text.matches("arn:\\$\\{AWS::Partition}:lambda:\\*.*"), "statement " + statement.get("Sid")
                        + " gives " + actions(statement) + " the wildcard resource " + text);
            }
        }
        assertTrue(template.toString().contains("lambda:DeleteFunction"));
        for (Object policy : samPolicyTemplates()) {
            String text = String.valueOf(policy);
            assertFalse(text.contains("AWSLambda_FullAccess") || text.contains("AWSLambdaRole")
                    || text.matches(".*FunctionName=\\*.*"), "a policy that reaches every function: " + text);
        }
    }

    @Test
    void shouldScopeTheGeneratedFunctionRightsToTheGeneratedPrefix() {
        for (Map<String, Object> statement : allowStatements()) {
            List<String> actions = actions(statement);
            if (actions.contains("lambda:CreateFunction") || actions.contains("lambda:DeleteFunction")) {
                for (Object resource : list(statement.get("Resource"))) {
                    assertTrue(render(resource).endsWith(":function:${GeneratedFunctionPrefix}-*"),
                            "create/delete beyond the generated prefix: " + render(resource));
                }
            }
        }
    }

    @Test
    void shouldLetPassRoleReachOnlyTheAllowedRolesAndOnlyLambda() {
        int passRoleStatements = 0;
        for (Map<String, Object> statement : allowStatements()) {
            if (actions(statement).stream().noneMatch(action -> PASS_ROLE.matcher(action).matches())) {
                continue;
            }
            passRoleStatements++;
            assertEquals(List.of("iam:PassRole"), actions(statement), "PassRole shares a statement: " + statement);
            for (Object resource : list(statement.get("Resource"))) {
                assertTrue(isAllowedRole(resource), "PassRole on " + render(resource) + ", which is neither a role "
                        + "of this template nor the AllowedExecutionRoleArns parameter");
            }
            Map<String, Object> condition = map(statement.get("Condition"));
            assertEquals("lambda.amazonaws.com", map(condition.get("StringEquals")).get("iam:PassedToService"),
                    "PassRole without iam:PassedToService = lambda.amazonaws.com: " + statement);
        }
        assertTrue(passRoleStatements > 0, "the step runner must be able to pass its default role");
    }

    @Test
    void shouldAllowOnlyRoleArnsInTheAllowedRolesParameter() {
        // The PassRole resource comes from this parameter, so a bare * must be refused by CloudFormation.
        Map<String, Object> parameter = map(map(template.get("Parameters")).get("AllowedExecutionRoleArns"));
        Object allowed = parameter.get("AllowedPattern");
        assertTrue(allowed != null, "AllowedExecutionRoleArns needs an AllowedPattern that refuses *");
        Pattern pattern = Pattern.compile(String.valueOf(allowed));
        assertTrue(pattern.matcher("").matches(), "the empty default must be allowed");
        assertTrue(pattern.matcher("arn:aws:iam::123456789012:role/runbook-reader").matches());
        assertTrue(pattern.matcher("arn:aws:iam::123456789012:role/runbook-*").matches());
        for (String wide : List.of("*", "arn:aws:iam::*:role/*", "arn:aws:iam::123456789012:role/*",
                "arn:aws:iam::123456789012:*")) {
            assertFalse(pattern.matcher(wide).matches(), "AllowedExecutionRoleArns accepts " + wide);
        }
    }

    @Test
    void shouldGiveTheRunnerTheRolesItPassesAndNoOther() {
        Map<String, Object> variables = map(map(map(map(runner().get("Properties")).get("Environment"))
                .get("Variables")));
        Object defaultRole = variables.get("DEFAULT_EXECUTION_ROLE_ARN");
        assertTrue(isAllowedRole(defaultRole), "DEFAULT_EXECUTION_ROLE_ARN " + render(defaultRole));
        assertTrue(render(variables.get("ALLOWED_EXECUTION_ROLE_ARNS")).contains("AllowedExecutionRoleArns"));
    }

    /** Issue 13: steps in other accounts. */
    @Nested
    class AssumedRoles {
        @Test
        void shouldAssumeExactlyTheListedRolesAndNoneByDefault() {
            List<Map<String, Object>> assume = allowStatements().stream()
                    .filter(statement -> actions(statement).stream().anyMatch(action -> action.startsWith("sts:")))
                    .toList();

            assertEquals(1, assume.size(), "one STS statement: " + assume);
            assertEquals(List.of("sts:AssumeRole"), actions(assume.get(0)));
            assertEquals(List.of("{Ref=AllowedAssumeRoleArns}"), list(assume.get(0).get("Resource")).stream()
                    .map(String::valueOf).toList());
            assertEquals("", String.valueOf(map(parameters().get("AllowedAssumeRoleArns")).get("Default")),
                    "no role may be assumed by default");
            assertTrue(String.valueOf(map(template.get("Conditions")).get("HasAssumableRoles"))
                    .contains("AllowedAssumeRoleArns"), "the statement must be absent when no role is listed");
        }

        @Test
        void shouldRefuseEveryRoleAsAnAssumableRole() {
            Pattern pattern = allowedPattern("AllowedAssumeRoleArns");

            assertTrue(pattern.matcher("").matches(), "the empty default must be allowed");
            assertTrue(pattern.matcher("arn:aws:iam::222222222222:role/lambda-step-runner-target").matches());
            assertTrue(pattern.matcher("arn:aws:iam::111111111111:role/runbook-*").matches());
            for (String wide : List.of("*", "arn:aws:iam::*:role/*", "arn:aws:iam::222222222222:role/*",
                    "arn:aws:iam::222222222222:*", "arn:aws:iam::222222222222:user/x")) {
                assertFalse(pattern.matcher(wide).matches(), "AllowedAssumeRoleArns accepts " + wide);
            }
        }

        @Test
        void shouldTellTheRunnerTheRolesItMayAssume() {
            assertTrue(render(runnerEnvironment().get("ALLOWED_ASSUME_ROLE_ARNS")).contains("AllowedAssumeRoleArns"));
        }
    }

    @Test
    void shouldRequireIamAuthorisationOnTheApi() {
        int apis = 0;
        for (Map.Entry<String, Object> entry : resources.entrySet()) {
            Map<String, Object> resource = map(entry.getValue());
            String type = String.valueOf(resource.get("Type"));
            Map<String, Object> properties = map(resource.get("Properties"));
            if (type.equals("AWS::Serverless::Api") || type.equals("AWS::Serverless::HttpApi")) {
                apis++;
                assertEquals("AWS_IAM", map(properties.get("Auth")).get("DefaultAuthorizer"), entry.getKey());
            }
            if (type.equals("AWS::ApiGateway::Method")) {
                assertEquals("AWS_IAM", properties.get("AuthorizationType"), entry.getKey());
            }
            if (type.equals("AWS::Lambda::Url") || properties.containsKey("FunctionUrlConfig")) {
                Map<String, Object> url = type.equals("AWS::Lambda::Url") ? properties
                        : map(properties.get("FunctionUrlConfig"));
                assertEquals("AWS_IAM", url.get("AuthType"), entry.getKey() + " has a function URL without IAM");
            }
            for (Object event : map(properties.get("Events")).values()) {
                Map<String, Object> source = map(event);
                if (Set.of("Api", "HttpApi").contains(source.get("Type"))) {
                    Map<String, Object> eventProperties = map(source.get("Properties"));
                    assertTrue(eventProperties.containsKey("RestApiId") || eventProperties.containsKey("ApiId"),
                            entry.getKey() + ": an API event on SAM's implicit API, which has no IAM authoriser");
                    Object authorizer = map(eventProperties.get("Auth")).get("Authorizer");
                    assertTrue(authorizer == null || authorizer.equals("AWS_IAM"),
                            entry.getKey() + ": API event with authorizer " + authorizer);
                }
            }
        }
        assertTrue(apis > 0, "the template declares the steps API");
    }

    @Test
    void shouldLetTheSweeperListAndDeleteOnlyWhatItNeeds() {
        boolean list = false;
        boolean tags = false;
        boolean delete = false;
        for (Map<String, Object> statement : allowStatements()) {
            List<String> actions = actions(statement);
            List<String> targets = list(statement.get("Resource")).stream().map(TemplateIamTest::render).toList();
            if (actions.contains("lambda:ListFunctions")) {
                // ListFunctions has no resource-level permissions, so it stands alone on *.
                assertEquals(List.of("lambda:ListFunctions"), actions, "ListFunctions must stand alone on *");
                list = true;
            }
            boolean generatedOnly = !targets.isEmpty()
                    && targets.stream().allMatch(target -> target.endsWith(":function:${GeneratedFunctionPrefix}-*"));
            tags |= actions.contains("lambda:ListTags") && generatedOnly;
            delete |= actions.contains("lambda:DeleteFunction") && generatedOnly;
        }
        assertTrue(list && tags && delete, "the sweeper needs lambda:ListFunctions, and ListTags and DeleteFunction "
                + "on the generated prefix");
        boolean scheduled = map(map(runner().get("Properties")).get("Events")).values().stream().map(TemplateIamTest::map)
                .anyMatch(event -> Set.of("Schedule", "ScheduleV2").contains(event.get("Type"))
                        && String.valueOf(map(event.get("Properties")).get("Input")).replace(" ", "")
                        .equals("{\"action\":\"sweep\"}"));
        assertTrue(scheduled, "the runner needs a schedule whose Input is {\"action\": \"sweep\"}");
    }

    /** Issue 12: who may send step requests through EventBridge, and on which bus. */
    @Nested
    class EventBus {
        @Test
        void shouldTakeStepRequestsFromTheStacksOwnBusNotTheDefaultOne() {
            Map<String, Object> rule = map(map(map(runner().get("Properties")).get("Events")).get("StepRequested"));
            Object bus = map(rule.get("Properties")).get("EventBusName");

            assertEquals("AWS::Events::EventBus", map(resources.get(refTarget(bus))).get("Type"),
                    "the step request rule must sit on the stack's own bus, not the default bus: " + bus);
        }

        @Test
        void shouldDenyPutEventsToEveryoneTheSendersParameterDoesNotName() {
            Map<String, Object> policy = map(map(map(resources.get(busOfTheRule())).get("Properties")).get("Policy"));

            assertOnlyNamedPrincipals(statementsOf(policy), "events:PutEvents", "StepRequestSenderArns");
        }
    }

    /** Issue 12: the API names its callers and logs every access. */
    @Nested
    class Api {
        @Test
        void shouldDenyTheApiToEveryoneTheCallersParameterDoesNotName() {
            Map<String, Object> policy = map(map(map(stepsApi().get("Properties")).get("Auth")).get("ResourcePolicy"));

            assertOnlyNamedPrincipals(list(policy.get("CustomStatements")), "execute-api:Invoke", "ApiCallerArns");
        }

        @Test
        void shouldWriteAccessLogsToALogGroupThatExpires() {
            Map<String, Object> accessLog = map(map(stepsApi().get("Properties")).get("AccessLogSetting"));
            String destination = render(accessLog.get("DestinationArn"));
            String format = String.valueOf(accessLog.get("Format"));

            String group = destination.replaceAll(".*:log-group:\\$\\{(\\w+)}$", "$1");
            assertTrue(isLogGroupThatExpires(group), "access logs go to " + destination + ", not a log group of this "
                    + "stack with a retention");
            for (String field : List.of("$context.requestId", "$context.identity.userArn", "$context.status")) {
                assertTrue(format.contains(field), "the access log format lacks " + field);
            }
            assertFalse(format.contains("$input.body"), "the access log must not carry request bodies");
        }
    }

    /** Issue 12: no log group is left behind, and none races with Lambda's own. */
    @Nested
    class Logs {
        @Test
        void shouldSendEveryGeneratedFunctionToOneLogGroupThatExpires() {
            Object group = runnerEnvironment().get("GENERATED_FUNCTION_LOG_GROUP");

            assertTrue(isLogGroupThatExpires(refTarget(group)), "GENERATED_FUNCTION_LOG_GROUP is " + group
                    + ", not a log group of this stack with a retention");
        }

        @Test
        void shouldLetGeneratedFunctionsWriteOnlyToTheSharedLogGroupAndCreateNone() {
            String shared = refTarget(runnerEnvironment().get("GENERATED_FUNCTION_LOG_GROUP"));
            Map<String, Object> role = map(map(resources.get("GeneratedFunctionRole")).get("Properties"));
            List<Object> statements = new ArrayList<>();
            for (Object policy : list(role.get("Policies"))) {
                statements.addAll(list(map(map(policy).get("PolicyDocument")).get("Statement")));
            }

            assertFalse(statements.isEmpty());
            for (Object value : statements) {
                Map<String, Object> statement = map(value);
                assertFalse(actions(statement).stream().anyMatch(action -> action.startsWith("logs:CreateLogGroup")
                        || action.equals("logs:*")), "generated functions may create log groups: " + statement);
                for (Object resource : list(statement.get("Resource"))) {
                    assertTrue(render(resource).startsWith("${" + shared + ".Arn}"),
                            "generated functions may write to " + render(resource));
                }
            }
        }

        @Test
        void shouldNameEveryFunctionsLogGroupBeforeTheFunctionExists() {
            int functions = 0;
            for (Map.Entry<String, Object> entry : resources.entrySet()) {
                Map<String, Object> resource = map(entry.getValue());
                if (!String.valueOf(resource.get("Type")).matches("AWS::(Serverless|Lambda)::Function")) {
                    continue;
                }
                functions++;
                Object group = map(map(resource.get("Properties")).get("LoggingConfig")).get("LogGroup");
                String target = refTarget(group);
                assertTrue(isLogGroupThatExpires(target), entry.getKey() + " logs to " + group
                        + ", not a log group of this stack with a retention");
                String name = render(map(map(resources.get(target)).get("Properties")).get("LogGroupName"));
                assertFalse(name.contains("${" + entry.getKey() + "}"), target + " is named after the function ("
                        + name + "), so Lambda may create it first");
            }
            assertTrue(functions >= 2);
        }
    }

    /** Issue 12: the runner's own capacity, invocations and versions. */
    @Nested
    class Runner {
        @Test
        void shouldReserveConcurrencyFromAParameter() {
            Object reserved = map(runner().get("Properties")).get("ReservedConcurrentExecutions");

            assertTrue(String.valueOf(reserved).contains("ReservedConcurrency"), "ReservedConcurrentExecutions is " + reserved);
            assertEquals("Number", map(parameters().get("ReservedConcurrency")).get("Type"));
        }

        @Test
        void shouldLetTheStateMachineInvokeOnlyTheRunnersAliasWithoutAWildcard() {
            Map<String, Object> machine = map(map(resources.get("RunbookStateMachine")).get("Properties"));
            List<String> invoked = new ArrayList<>();
            for (Object policy : list(machine.get("Policies"))) {
                assertFalse(map(policy).containsKey("LambdaInvokePolicy"),
                        "SAM's LambdaInvokePolicy grants function:<runner>*, every function whose name starts alike");
                for (Object statement : list(map(policy).get("Statement"))) {
                    if (actions(map(statement)).contains("lambda:InvokeFunction")) {
                        list(map(statement).get("Resource")).forEach(resource -> invoked.add(render(resource)));
                    }
                }
            }

            assertEquals(List.of("{Ref=StepRunnerFunction.Alias}"), invoked);
        }

        @Test
        void shouldPublishANewVersionWhenAnyParameterInTheRunnersSettingsChanges() {
            // SAM's version hash sees "!Ref X" unresolved; a version description cannot change in place.
            Set<String> inSettings = parameterRefs(runnerEnvironment());
            Set<String> inDescription = parameterRefs(map(runner().get("Properties")).get("VersionDescription"));

            assertFalse(inSettings.isEmpty());
            for (String parameter : inSettings) {
                assertTrue(inDescription.contains(parameter), parameter + " reaches the runner's environment but not "
                        + "its VersionDescription, so changing it alone would publish no version");
            }
        }
    }

    /** Issue 12: results too large for Step Functions. */
    @Nested
    class Results {
        @Test
        void shouldOffloadToABucketThatExpiresTheResults() {
            Map<String, Object> variables = runnerEnvironment();
            String bucket = String.valueOf(variables.get("RESULT_BUCKET"));
            Map<String, Object> properties = map(map(resources.get("ResultBucket")).get("Properties"));
            Map<String, Object> rule = map(list(map(properties.get("LifecycleConfiguration")).get("Rules")).get(0));

            assertTrue(bucket.contains("{Ref=ResultBucket}"), "RESULT_BUCKET is " + bucket);
            assertEquals("{Ref=ResultPrefix}", String.valueOf(variables.get("RESULT_PREFIX")));
            assertEquals("Enabled", rule.get("Status"));
            assertEquals("${ResultPrefix}/", render(rule.get("Prefix")));
            assertTrue(rule.containsKey("ExpirationInDays"), "the results never expire: " + rule);
            assertTrue(map(properties.get("PublicAccessBlockConfiguration")).values().stream()
                    .allMatch(Boolean.TRUE::equals), "the result bucket must block public access");
        }

        @Test
        void shouldLetTheRunnerOnlyPutObjectsUnderThePrefix() {
            List<Map<String, Object>> s3 = allowStatements().stream()
                    .filter(statement -> actions(statement).stream().anyMatch(action -> action.startsWith("s3:")))
                    .toList();

            assertEquals(1, s3.size(), "one S3 statement: " + s3);
            assertEquals(List.of("s3:PutObject"), actions(s3.get(0)));
            assertEquals(List.of("${ResultBucket.Arn}/${ResultPrefix}/*"),
                    list(s3.get(0).get("Resource")).stream().map(TemplateIamTest::render).toList());
        }
    }

    /** Issue 12: what a deployer types cannot widen a policy. */
    @Nested
    class Parameters {
        @Test
        void shouldConstrainEveryParameterThatReachesAPolicy() {
            Set<String> inPolicies = new java.util.TreeSet<>();
            for (Object value : resources.values()) {
                Map<String, Object> properties = map(map(value).get("Properties"));
                for (String key : List.of("Policies", "Policy", "PolicyDocument", "AssumeRolePolicyDocument", "Auth",
                        "LifecycleConfiguration")) {
                    inPolicies.addAll(parameterRefs(properties.get(key)));
                }
            }

            assertTrue(inPolicies.containsAll(List.of("AllowedExecutionRoleArns", "AllowedInvokeTargetArns",
                    "GeneratedFunctionPrefix", "StepRequestSenderArns", "ApiCallerArns", "ResultPrefix")), inPolicies.toString());
            for (String name : inPolicies) {
                Map<String, Object> parameter = map(parameters().get(name));
                boolean constrained = parameter.containsKey("AllowedPattern") || parameter.containsKey("AllowedValues")
                        || "Number".equals(parameter.get("Type"));
                assertTrue(constrained, name + " reaches a policy but has no AllowedPattern");
            }
        }

        @Test
        void shouldAcceptOnlyWholeFunctionArnsAsInvokeTargets() {
            Pattern pattern = allowedPattern("AllowedInvokeTargetArns");

            for (String fine : List.of("", "arn:aws:lambda:us-east-1:123456789012:function:restart-service",
                    "arn:aws:lambda:eu-west-1:123456789012:function:restart-service:*",
                    "arn:aws:lambda:us-gov-west-1:123456789012:function:restart-service:live")) {
                assertTrue(pattern.matcher(fine).matches(), "AllowedInvokeTargetArns refuses " + fine);
            }
            for (String wide : List.of("*", "arn:aws:lambda:*:*:function:*", "arn:aws:lambda:us-east-1:123456789012:function:*",
                    "arn:aws:lambda:us-east-1:123456789012:function:restart-*", "restart-service",
                    "arn:aws:lambda:us-east-1:123456789012:function:a:b:c")) {
                assertFalse(pattern.matcher(wide).matches(), "AllowedInvokeTargetArns accepts " + wide);
            }
        }

        @Test
        void shouldAcceptOnlyNamedRolesAndUsersAsSendersAndCallers() {
            for (String name : List.of("StepRequestSenderArns", "ApiCallerArns")) {
                Pattern pattern = allowedPattern(name);
                for (String fine : List.of("", "arn:aws:iam::123456789012:role/runbook-sender",
                        "arn:aws:iam::123456789012:role/ops/runbook-sender", "arn:aws:iam::123456789012:user/alice")) {
                    assertTrue(pattern.matcher(fine).matches(), name + " refuses " + fine);
                }
                for (String wide : List.of("*", "arn:aws:iam::123456789012:role/*", "arn:aws:iam::123456789012:root",
                        "arn:aws:iam::*:role/sender", "123456789012", "arn:aws:iam::123456789012:role/sender*")) {
                    assertFalse(pattern.matcher(wide).matches(), name + " accepts " + wide);
                }
            }
            Pattern callers = allowedPattern("ApiCallerArns");
            assertTrue(callers.matcher("arn:aws:iam::123456789012:role/a,arn:aws:iam::210987654321:user/b").matches());
            assertFalse(callers.matcher("arn:aws:iam::123456789012:role/a,*").matches());
        }

        @Test
        void shouldKeepTheResultPrefixToOneFolderName() {
            Pattern pattern = allowedPattern("ResultPrefix");

            assertTrue(pattern.matcher("step-results").matches());
            for (String wide : List.of("", "*", "a/*", "a/b", "..*")) {
                assertFalse(pattern.matcher(wide).matches(), "ResultPrefix accepts " + wide);
            }
        }
    }

    /**
     * A resource policy that admits only the principals a parameter names: an Allow for them, and a Deny
     * for everyone else (an identity policy in the same account could otherwise admit anyone) that, when
     * the parameter is empty, has no condition at all.
     */
    private static void assertOnlyNamedPrincipals(List<Object> statements, String action, String parameter) {
        boolean allow = false;
        boolean deny = false;
        for (Object value : statements) {
            for (Object branch : branches(value)) {
                Map<String, Object> statement = map(branch);
                if (!actions(statement).contains(action)) {
                    continue;
                }
                if ("Allow".equals(statement.get("Effect"))) {
                    allow = true;
                    assertEquals(Set.of(parameter), parameterRefs(statement.get("Principal")),
                            "the Allow must name exactly the principals of " + parameter + ": " + statement);
                } else if ("Deny".equals(statement.get("Effect"))) {
                    deny = true;
                    assertEquals("*", statement.get("Principal"), "the Deny must cover every principal: " + statement);
                    Map<String, Object> condition = map(statement.get("Condition"));
                    List<Object> conditionBranches = condition.containsKey("Fn::If")
                            ? list(condition.get("Fn::If")).subList(1, 3) : List.of(condition);
                    for (Object conditionBranch : conditionBranches) {
                        Map<String, Object> test = map(conditionBranch);
                        if ("AWS::NoValue".equals(test.get("Ref"))) {
                            continue;
                        }
                        assertEquals(Set.of("ArnNotEquals"), test.keySet(), "the Deny's condition: " + test);
                        Map<String, Object> keys = map(test.get("ArnNotEquals"));
                        assertEquals(Set.of("aws:PrincipalArn"), keys.keySet());
                        assertEquals(Set.of(parameter), parameterRefs(keys.get("aws:PrincipalArn")));
                    }
                    assertTrue(condition.isEmpty() || String.valueOf(condition).contains("AWS::NoValue"),
                            "with " + parameter + " empty the Deny must have no condition: " + condition);
                }
            }
        }
        assertTrue(allow && deny, "a resource policy needs an Allow for " + parameter + " and a Deny for everyone else");
    }

    private static Map<String, Object> stepsApi() {
        Object api = map(map(map(map(runner().get("Properties")).get("Events")).get("StepsApi")).get("Properties"))
                .get("RestApiId");
        return map(resources.get(refTarget(api)));
    }

    private static String busOfTheRule() {
        Map<String, Object> rule = map(map(map(runner().get("Properties")).get("Events")).get("StepRequested"));
        return refTarget(map(rule.get("Properties")).get("EventBusName"));
    }

    private static Map<String, Object> runnerEnvironment() {
        return map(map(map(map(runner().get("Properties")).get("Environment")).get("Variables")));
    }

    private static Map<String, Object> parameters() {
        return map(template.get("Parameters"));
    }

    private static Pattern allowedPattern(String parameter) {
        Object pattern = map(parameters().get(parameter)).get("AllowedPattern");
        assertTrue(pattern != null, parameter + " has no AllowedPattern");
        return Pattern.compile(String.valueOf(pattern));
    }

    /** A log group of this template that CloudWatch expires. */
    private static boolean isLogGroupThatExpires(String logicalId) {
        Map<String, Object> resource = map(resources.get(logicalId));
        return "AWS::Logs::LogGroup".equals(resource.get("Type"))
                && map(resource.get("Properties")).containsKey("RetentionInDays");
    }

    /** The logical id a {@code Ref} names, or {@code ""}. */
    private static String refTarget(Object value) {
        return String.valueOf(map(value).getOrDefault("Ref", ""));
    }

    /** Every template parameter a value refers to: {@code Ref}s and {@code ${...}} in {@code Fn::Sub} strings. */
    private static Set<String> parameterRefs(Object value) {
        Set<String> found = new java.util.TreeSet<>();
        collectParameterRefs(value, found);
        return found;
    }

    private static void collectParameterRefs(Object value, Set<String> found) {
        if (value instanceof Map<?, ?> node) {
            for (Map.Entry<?, ?> entry : node.entrySet()) {
                if (entry.getKey().equals("Ref") && parameters().containsKey(String.valueOf(entry.getValue()))) {
                    found.add(String.valueOf(entry.getValue()));
                } else if (entry.getKey().equals("Fn::Sub")) {
                    List<Object> arguments = list(entry.getValue());
                    java.util.regex.Matcher names = Pattern.compile("\\$\\{([A-Za-z0-9]+)}")
                            .matcher(String.valueOf(arguments.get(0)));
                    while (names.find()) {
                        if (parameters().containsKey(names.group(1))) {
                            found.add(names.group(1));
                        }
                    }
                    arguments.subList(1, arguments.size()).forEach(argument -> collectParameterRefs(argument, found));
                } else {
                    collectParameterRefs(entry.getValue(), found);
                }
            }
        } else if (value instanceof List<?> items) {
            items.forEach(item -> collectParameterRefs(item, found));
        }
    }

    /** The statements of a policy document. */
    private static List<Object> statementsOf(Map<String, Object> policy) {
        return list(policy.get("Statement"));
    }

    // ---- reading the template ----

    private static Map<String, Object> runner() {
        for (Object value : resources.values()) {
            Map<String, Object> resource = map(value);
            if ("AWS::Serverless::Function".equals(resource.get("Type"))
                    && String.valueOf(map(resource.get("Properties")).get("Handler")).startsWith("StepRunnerHandler")) {
                return resource;
            }
        }
        return fail("no StepRunnerHandler function in template.yaml");
    }

    /** Every Allow statement of every inline policy: functions' Policies, roles, policies; both Fn::If branches. */
    private static List<Map<String, Object>> allowStatements() {
        List<Map<String, Object>> statements = new ArrayList<>();
        for (Object value : resources.values()) {
            Map<String, Object> resource = map(value);
            String type = String.valueOf(resource.get("Type"));
            Map<String, Object> properties = map(resource.get("Properties"));
            List<Object> documents = new ArrayList<>();
            if (type.startsWith("AWS::Serverless::")) {
                for (Object policy : list(properties.get("Policies"))) {
                    if (policy instanceof Map<?, ?> document && document.containsKey("Statement")) {
                        documents.add(document);
                    }
                }
            } else if (type.equals("AWS::IAM::Role")) {
                for (Object policy : list(properties.get("Policies"))) {
                    documents.add(map(policy).get("PolicyDocument"));
                }
            } else if (type.equals("AWS::IAM::Policy") || type.equals("AWS::IAM::ManagedPolicy")) {
                documents.add(properties.get("PolicyDocument"));
            }
            for (Object document : documents) {
                for (Object statement : list(map(document).get("Statement"))) {
                    for (Object branch : branches(statement)) {
                        Map<String, Object> candidate = map(branch);
                        if ("Allow".equals(candidate.get("Effect"))) {
                            statements.add(candidate);
                        }
                    }
                }
            }
        }
        return statements;
    }

    /** SAM policy templates and managed policy names, for the whole-account check. */
    private static List<Object> samPolicyTemplates() {
        List<Object> templates = new ArrayList<>();
        for (Object value : resources.values()) {
            Map<String, Object> resource = map(value);
            Map<String, Object> properties = map(resource.get("Properties"));
            for (Object policy : list(properties.get("Policies"))) {
                if (!(policy instanceof Map<?, ?> document && document.containsKey("Statement"))) {
                    templates.add(policy);
                }
            }
            templates.addAll(list(properties.get("ManagedPolicyArns")));
        }
        return templates;
    }

    /** A statement wrapped in {@code Fn::If} counts as both its branches (AWS::NoValue dropped). */
    private static List<Object> branches(Object statement) {
        Map<String, Object> node = map(statement);
        if (node.containsKey("Fn::If")) {
            List<Object> arguments = list(node.get("Fn::If"));
            List<Object> result = new ArrayList<>();
            for (Object branch : arguments.subList(1, arguments.size())) {
                if (!"AWS::NoValue".equals(map(branch).get("Ref"))) {
                    result.addAll(branches(branch));
                }
            }
            return result;
        }
        return List.of(statement);
    }

    private static boolean isAllowedRole(Object resource) {
        Map<String, Object> reference = map(resource);
        if ("AllowedExecutionRoleArns".equals(reference.get("Ref"))) {
            return true;
        }
        Object attribute = reference.get("Fn::GetAtt");
        if (attribute == null) {
            return false;
        }
        String[] parts = attribute instanceof List<?> pair ? new String[] {String.valueOf(pair.get(0)),
                String.valueOf(pair.get(1))} : String.valueOf(attribute).split("\\.", 2);
        return parts.length == 2 && parts[1].equals("Arn")
                && "AWS::IAM::Role".equals(map(resources.get(parts[0])).get("Type"));
    }

    private static List<String> actions(Map<String, Object> statement) {
        return list(statement.get("Action")).stream().map(String::valueOf).toList();
    }

    /** A resource as text: a literal, a {@code Fn::Sub} string, or the function's long form. */
    private static String render(Object resource) {
        if (resource instanceof Map<?, ?> function && function.containsKey("Fn::Sub")) {
            Object sub = function.get("Fn::Sub");
            return String.valueOf(sub instanceof List<?> args ? args.get(0) : sub);
        }
        return String.valueOf(resource);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return value instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of();
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object value) {
        if (value == null) {
            return List.of();
        }
        return value instanceof List<?> list ? (List<Object>) list : List.of(value);
    }

    /** SnakeYAML that reads CloudFormation's {@code !Ref}, {@code !Sub}, {@code !GetAtt}, ... as their long form. */
    private static final class CloudFormationConstructor extends SafeConstructor {
        CloudFormationConstructor() {
            super(new LoaderOptions());
        }

        @Override
        protected Construct getConstructor(Node node) {
            String tag = node.getTag().getValue();
            if (!tag.startsWith("!")) {
                return super.getConstructor(node);
            }
            String key = tag.equals("!Ref") ? "Ref" : tag.equals("!Condition") ? "Condition" : "Fn::" + tag.substring(1);
            return new AbstractConstruct() {
                @Override
                public Object construct(Node tagged) {
                    Object value;
                    if (tagged instanceof ScalarNode scalar) {
                        value = scalar.getValue();
                    } else if (tagged instanceof SequenceNode sequence) {
                        value = constructSequence(sequence);
                    } else {
                        value = constructMapping((MappingNode) tagged);
                    }
                    return Map.of(key, value);
                }
            };
        }
    }
}
