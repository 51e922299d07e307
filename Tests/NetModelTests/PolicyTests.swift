import Testing
@testable import NetModel

/// Endpoint policies follow IAM evaluation
/// (https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html).
@Suite struct EndpointPolicyTests {
    let role = "arn:aws:sts::123456789012:assumed-role/orders-writer-role/orders-writer"
    let orders = "arn:aws:dynamodb:us-east-1:123456789012:table/Orders"
    let audit = "arn:aws:dynamodb:us-east-1:123456789012:table/Audit"

    @Test func defaultPolicyAllowsEverything() {
        #expect(
            EndpointPolicy.fullAccess.evaluate(principal: role, action: "dynamodb:PutItem", resource: audit).isAllowed)
    }

    @Test func onlyTheListedTableIsAllowed() {
        let p = EndpointPolicy(statements: [
            .init(effect: .allow, actions: ["dynamodb:GetItem", "dynamodb:PutItem"], resources: [orders])
        ])
        #expect(p.evaluate(principal: role, action: "dynamodb:PutItem", resource: orders).isAllowed)
        #expect(p.evaluate(principal: role, action: "dynamodb:PutItem", resource: audit) == .implicitlyDenied)
        #expect(p.evaluate(principal: role, action: "dynamodb:DeleteItem", resource: orders) == .implicitlyDenied)
    }

    @Test func explicitDenyWins() {
        let p = EndpointPolicy(statements: [
            .init(effect: .allow, actions: ["dynamodb:*"], resources: ["*"]),
            .init(effect: .deny, actions: ["dynamodb:Delete*"], resources: ["*"]),
        ])
        #expect(
            p.evaluate(principal: role, action: "dynamodb:DeleteItem", resource: orders)
                == .explicitlyDenied(statement: 1))
        // Actions are case-insensitive.
        #expect(p.evaluate(principal: role, action: "DynamoDB:putitem", resource: orders).isAllowed)
    }

    @Test func accountPrincipalMeansOnlyTheRootUser() {
        let p = EndpointPolicy(statements: [
            .init(effect: .allow, principals: ["123456789012"], actions: ["*"], resources: ["*"])
        ])
        #expect(!p.evaluate(principal: role, action: "dynamodb:GetItem", resource: orders).isAllowed)
        #expect(
            p.evaluate(principal: "arn:aws:iam::123456789012:root", action: "dynamodb:GetItem", resource: orders)
                .isAllowed)
    }

    @Test func wildcards() {
        #expect(EndpointPolicy.wildcardMatch("arn:aws:dynamodb:*:*:table/Ord?rs", orders, caseInsensitive: false))
        #expect(!EndpointPolicy.wildcardMatch("arn:aws:dynamodb:*:*:table/Order", orders, caseInsensitive: false))
        #expect(EndpointPolicy.wildcardMatch("*", "", caseInsensitive: false))
    }
}
