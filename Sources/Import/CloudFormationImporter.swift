public struct CloudFormationImporter {
    public var path: String
    public var parameters: [String: String]
    public var region: String
    public var account: String
    public var stackName: String
    public init(path: String, parameters: [String: String], region: String, account: String, stackName: String) {
        self.path = path; self.parameters = parameters; self.region = region; self.account = account
        self.stackName = stackName
    }
    public func run() throws(ImportError) -> ImportedTopology { throw ImportError(Origin(file: path, path: ""), "todo") }
}
