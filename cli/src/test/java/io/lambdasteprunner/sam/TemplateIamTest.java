package io.lambdasteprunner.sam;

import org.junit.jupiter.api.BeforeAll;
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
