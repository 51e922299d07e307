public struct TerraformImporter {
    public var path: String
    public init(path: String) { self.path = path }
    public func run() throws(ImportError) -> ImportedTopology { throw ImportError(Origin(file: path, path: ""), "todo") }
}
