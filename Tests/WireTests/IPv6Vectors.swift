// Real IPv6 frames, captured from the Linux 6.x kernel's own stack (no hand-made bytes):
//
// Three private network namespaces (`unshare -n`), A — R — B, joined by veth pairs with MACs
// 02:00:00:00:00:0a (A), 02:00:00:00:00:01 (R's side toward A), R's link to B with MTU 1280;
// A is 2001:db8:1::a, R 2001:db8:1::1 / 2001:db8:2::1 (forwarding on), B 2001:db8:2::b. Transmit
// checksum offload was turned off on every veth (SIOCETHTOOL ETHTOOL_STXCSUM 0, what
// `ethtool -K dev tx off` does), so every checksum below is the kernel's. `tcpdump -i va` (A's
// side) recorded: A's neighbor solicitation for its router and R's advertisement; an ICMPv6 echo
// to B (a raw socket; the kernel fills the checksum) and B's reply; a 1,400-byte UDP datagram
// R cannot forward, and R's Packet Too Big; a UDP datagram to a closed port on B and B's port
// unreachable; a TCP connection (SYN, SYN-ACK, 5 bytes).
//
// Frames are split as Ethernet / IPv6 header / the rest.
import Wire

enum KernelIPv6 {
    static let a = IPAddress(ipv6: 0x2001, 0xdb8, 1, 0, 0, 0, 0, 0xa)
    static let router = IPAddress(ipv6: 0x2001, 0xdb8, 1, 0, 0, 0, 0, 1)
    static let b = IPAddress(ipv6: 0x2001, 0xdb8, 2, 0, 0, 0, 0, 0xb)
    static let macA = MACAddress(0x02, 0, 0, 0, 0, 0x0a)
    static let macRouter = MACAddress(0x02, 0, 0, 0, 0, 0x01)

    struct Frame {
        var ethernet: String
        var ip: String
        var rest: String
        var all: [UInt8] { bytes(hex: ethernet + ip + rest) }
        var ipPacket: [UInt8] { bytes(hex: ip + rest) }
        var upper: [UInt8] { bytes(hex: rest) }
    }

    /// A → ff02::1:ff00:1: who has 2001:db8:1::1? (hop limit 255, source link-layer option).
    static let neighborSolicitation = Frame(
        ethernet: "3333ff000001 02000000000a 86dd",
        ip: "60000000 0020 3a ff 20010db800010000000000000000000a ff0200000000000000000001ff000001",
        rest: "87 00 1c15 00000000 20010db8000100000000000000000001 0101 02000000000a")
    /// R → A: 2001:db8:1::1 is at 02:00:00:00:00:01 (router, solicited, override).
    static let neighborAdvertisement = Frame(
        ethernet: "02000000000a 020000000001 86dd",
        ip: "60000000 0020 3a ff 20010db8000100000000000000000001 20010db800010000000000000000000a",
        rest: "88 00 0a68 e0000000 20010db8000100000000000000000001 0201 020000000001")
    static let echoRequest = Frame(
        ethernet: "020000000001 02000000000a 86dd",
        ip: "600cf2c6 0018 3a 40 20010db800010000000000000000000a 20010db800020000000000000000000b",
        rest: "80 00 d9ad 1234 0001 000102030405060708090a0b0c0d0e0f")
    static let echoReply = Frame(
        ethernet: "02000000000a 020000000001 86dd",
        ip: "600970d8 0018 3a 3f 20010db800020000000000000000000b 20010db800010000000000000000000a",
        rest: "81 00 d8ad 1234 0001 000102030405060708090a0b0c0d0e0f")
    /// The datagram R could not forward: 8-byte UDP header and 1,400 bytes of 0x5a (only its
    /// headers are kept here; the payload is rebuilt).
    static let bigDatagramHeaders =
        "60003c2f 0580 11 40 20010db800010000000000000000000a 20010db800020000000000000000000b"
        + " cf3a 0fa0 0580 ab7a"
    /// R's Packet Too Big (MTU 1280) for it: 8 bytes of ICMPv6 header, then the first 1,232 bytes
    /// of the datagram (the error packet is exactly 1,280 bytes, RFC 4443 §2.4 (c)).
    static let packetTooBigHeaders = Frame(
        ethernet: "02000000000a 020000000001 86dd",
        ip: "600fa745 04d8 3a 40 20010db8000100000000000000000001 20010db800010000000000000000000a",
        rest: "02 00 092e 00000500")
    static let udpToClosedPort = Frame(
        ethernet: "020000000001 02000000000a 86dd",
        ip: "60070f66 0010 11 40 20010db800010000000000000000000a 20010db800020000000000000000000b",
        rest: "cf3a 0009 0010 1ad8 68656c6c6f207636")
    /// B's port unreachable, quoting the datagram as B received it (hop limit 63 after R).
    static let portUnreachable = Frame(
        ethernet: "02000000000a 020000000001 86dd",
        ip: "600cba12 0040 3a 3f 20010db800020000000000000000000b 20010db800010000000000000000000a",
        rest: "01 04 225c 00000000"
            + " 60070f66 0010 11 3f 20010db800010000000000000000000a 20010db800020000000000000000000b"
            + " cf3a 0009 0010 1ad8 68656c6c6f207636")
    static let syn = Frame(
        ethernet: "020000000001 02000000000a 86dd",
        ip: "600596a7 0028 06 40 20010db800010000000000000000000a 20010db800020000000000000000000b",
        rest: "e9fa 1f90 fb802183 00000000 a002 fc94 defd 0000 020404c4 0402 080a185dd2e400000000 01 03030a")
    static let synAck = Frame(
        ethernet: "02000000000a 020000000001 86dd",
        ip: "6001ca58 0028 06 3f 20010db800020000000000000000000b 20010db800010000000000000000000a",
        rest: "1f90 e9fa 7f81bf6e fb802184 a012 fed0 0b9f 0000 020404c4 0402 080ae8a8a978185dd2e4 01 03030a")
    static let data = Frame(
        ethernet: "020000000001 02000000000a 86dd",
        ip: "600596a7 0025 06 40 20010db800010000000000000000000a 20010db800020000000000000000000b",
        rest: "e9fa 1f90 fb802184 7f81bf6f 8018 0040 f42f 0000 0101 080a185dd2e4e8a8a978 68656c6c6f")
}
