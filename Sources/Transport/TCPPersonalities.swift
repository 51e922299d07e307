// The stacks of hosts on the internet, as their SYNs show them. Values from p0f's fingerprint
// database (https://github.com/p0f/p0f/blob/master/p0f.fp), FoxIO's JA4T mapping
// (https://github.com/FoxIO-LLC/ja4/blob/main/ja4plus-mapping.csv) and SYNs captured for this
// project; what no source gives is marked assumed.

extension TCPProfile {
    /// Windows 10/11 and Server: TTL 128, window 64240, MSS 1460, window scale 8, SACK, no
    /// timestamps, options "mss, nop, ws, nop, nop, sackOK" (JA4T 64240_2-1-3-1-1-4_1460_8 in the
    /// FoxIO mapping; p0f "Windows 7 or 8" has the same layout). Ephemeral ports 49152–65535, the
    /// Windows default since Vista
    /// (learn.microsoft.com/en-us/troubleshoot/windows-server/networking/default-dynamic-port-range-tcpip-chang).
    /// Timers and the initial window: assumed Linux's (no packet in a capture shows them).
    public static let windows: TCPProfile = {
        var p = linuxInternet
        p.ttl = 128
        p.synWindow = 64240
        p.receiveWindow = 64240 * 4
        p.maxReceiveWindow = nil
        p.windowScale = 8
        p.timestamps = false
        p.optionLayout = .windows
        p.ephemeralPorts = 49152...65535
        return p
    }()

    /// macOS and iOS (XNU): TTL 64, window 65535, MSS 1460, window scale 6, timestamps, SACK,
    /// options "mss, nop, ws, nop, nop, ts, sackOK, eol, eol" (JA4T
    /// 65535_2-1-3-1-1-8-4-0-0_1460_6 in the FoxIO mapping). Ephemeral ports 49152–65535 (XNU's
    /// `net.inet.ip.portrange.first`/`last` defaults, bsd/netinet/in_pcb.c `ipport_firstauto`).
    public static let apple: TCPProfile = {
        var p = linuxInternet
        p.synWindow = 65535
        p.receiveWindow = 65535 * 4
        p.maxReceiveWindow = nil
        p.windowScale = 6
        p.optionLayout = .apple
        p.ephemeralPorts = 49152...65535
        p.resetsUnknownSegments = true
        return p
    }()

    /// Android: a Linux kernel, so Linux's SYN (p0f files Android under Linux with the same
    /// layout); window and scale as the Linux internet host (inferred, no current capture).
    public static let android: TCPProfile = linuxInternet
}
