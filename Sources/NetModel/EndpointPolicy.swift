/// An endpoint policy: an IAM resource policy attached to a gateway endpoint
/// (https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html).
///
/// A request through the endpoint must be allowed by it (and by identity and resource policies,
/// which the model treats as allowing). Evaluation follows IAM: an explicit deny wins, otherwise
/// some statement must allow, otherwise the request is implicitly denied.
public struct EndpointPolicy: Sendable, Hashable {
    public enum Effect: String, Sendable, Hashable { case allow = "Allow", deny = "Deny" }

    public struct Statement: Sendable, Hashable {
        public var sid: String?
        public var effect: Effect
        /// Principal patterns; `["*"]` is everyone. `arn:aws:iam::<acct>:root` (or a bare account id)
        /// grants only the account's root user, not its roles
        /// (https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html).
        public var principals: [String]
        public var actions: [String]
        public var notActions: [String]
        public var resources: [String]
        public init(
            sid: String? = nil, effect: Effect, principals: [String] = ["*"], actions: [String],
            notActions: [String] = [], resources: [String]
        ) {
            self.sid = sid; self.effect = effect; self.principals = principals; self.actions = actions
            self.notActions = notActions; self.resources = resources
        }
    }

    public enum Decision: Sendable, Hashable {
        case allowed(statement: Int)
        case explicitlyDenied(statement: Int)
        case implicitlyDenied

        public var isAllowed: Bool { if case .allowed = self { return true } else { return false } }
    }

    public var statements: [Statement]
    public init(statements: [Statement]) { self.statements = statements }

    /// The policy AWS attaches when none is given: full access
    /// (`{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`).
    public static let fullAccess = EndpointPolicy(statements: [
        Statement(effect: .allow, principals: ["*"], actions: ["*"], resources: ["*"])
    ])

    /// Decides whether `principal` may perform `action` (e.g. `dynamodb:PutItem`) on `resource`
    /// (e.g. `arn:aws:dynamodb:us-east-1:123456789012:table/Orders`).
    public func evaluate(principal: String, action: String, resource: String) -> Decision {
        var allow: Int?
        for (i, s) in statements.enumerated() {
            guard s.principals.contains(where: { Self.principalMatches($0, principal) }) else { continue }
            let actionMatches: Bool
            if !s.notActions.isEmpty {
                actionMatches = !s.notActions.contains { Self.wildcardMatch($0, action, caseInsensitive: true) }
            } else {
                actionMatches = s.actions.contains { Self.wildcardMatch($0, action, caseInsensitive: true) }
            }
            guard actionMatches,
                s.resources.contains(where: { Self.wildcardMatch($0, resource, caseInsensitive: false) })
            else { continue }
            if s.effect == .deny { return .explicitlyDenied(statement: i) }
            if allow == nil { allow = i }
        }
        if let allow { return .allowed(statement: allow) }
        return .implicitlyDenied
    }

    static func principalMatches(_ pattern: String, _ principal: String) -> Bool {
        if pattern == "*" { return true }
        // An account id or account root ARN names only the root user.
        if pattern.allSatisfy(\.isNumber) { return principal == "arn:aws:iam::\(pattern):root" }
        return wildcardMatch(pattern, principal, caseInsensitive: false)
    }

    /// IAM wildcard matching: `*` any run of characters, `?` one character.
    public static func wildcardMatch(_ pattern: String, _ text: String, caseInsensitive: Bool) -> Bool {
        let p = Array((caseInsensitive ? pattern.lowercased() : pattern).utf8)
        let t = Array((caseInsensitive ? text.lowercased() : text).utf8)
        var pi = 0, ti = 0, star = -1, mark = 0
        while ti < t.count {
            if pi < p.count && (p[pi] == UInt8(ascii: "?") || p[pi] == t[ti]) {
                pi += 1; ti += 1
            } else if pi < p.count && p[pi] == UInt8(ascii: "*") {
                star = pi; mark = ti; pi += 1
            } else if star >= 0 {
                pi = star + 1; mark += 1; ti = mark
            } else {
                return false
            }
        }
        while pi < p.count && p[pi] == UInt8(ascii: "*") { pi += 1 }
        return pi == p.count
    }
}
