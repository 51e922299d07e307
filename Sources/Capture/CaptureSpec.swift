import NetModel

/// An ENI whose packets are written to a pcap file.
public struct CaptureSpec: Sendable, Hashable {
    public var eni: ENIIndex
    /// What the user asked for (e.g. `function orders-writer`), for the summary.
    public var label: String
    public init(eni: ENIIndex, label: String) { self.eni = eni; self.label = label }
}
