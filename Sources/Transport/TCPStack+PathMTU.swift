// TCPStack+PathMTU: path MTU discovery (RFC 1191) — an ICMP "fragmentation needed" lowers a
// connection's segment size and resends what the smaller path dropped.

import SimCore
import Wire
import NetModel

extension TCPStack {
    /// Handles an ICMP "fragmentation needed" (type 3, code 4) delivered to `host`, quoting one of
    /// its TCP segments, as Linux does (net/ipv4/tcp_ipv4.c `tcp_v4_err` for ICMP_FRAG_NEEDED,
    /// then `tcp_v4_mtu_reduced`): the MSS becomes the next-hop MTU less the IPv4 and TCP headers
    /// (`tcp_sync_mss`, `tcp_mtu_to_mss`) if that is smaller, and the segments in flight, now too
    /// large, are sent again at once (`tcp_simple_retransmit`), leaving the congestion window as it
    /// was: a smaller path is not congestion. An error for no connection, or one that would not
    /// lower the MSS, is ignored. Returns whether a connection took it.
    ///
    /// An ICMPv6 Packet Too Big does the same for an IPv6 connection (net/ipv6/tcp_ipv6.c
    /// `tcp_v6_err` for ICMPV6_PKT_TOOBIG, then `tcp_v6_mtu_reduced`; net/ipv6/route.c
    /// `rt6_do_update_pmtu`): the MSS becomes the MTU less 40 bytes of IPv6 and 20 of TCP header,
    /// an MTU below IPv6's minimum of 1280 taken as 1280 (RFC 8201 §4, RFC 8200 §5).
    @discardableResult
    public mutating func pathMTUReduced(
        _ error: Packet, quote q: ICMPQuote, host: HostIndex, now: SimTime, _ net: inout Network,
        _ scheduler: inout Scheduler
    ) -> Bool {
        // The quoted segment went from this host (the error's destination) to the error's source.
        let key = Self.demuxKey(
            remote: error.source, remotePort: q.destinationPort, local: error.destination, localPort: q.sourcePort,
            realm: error.realm)
        guard let i = demux[key] else { return false }
        // Linux ignores a next-hop MTU below its floor (`ip_rt_min_pmtu`, 552) and clamps to it.
        let mss = error.isIPv4 ? max(Int(error.seq & 0xFFFF), 552) - 40 : max(Int(error.seq), 1280) - 60
        let s = sockets[Int(i)]
        guard mss < s.sendMSS else { return false }
        sockets[Int(i)].sendMSS = mss
        pathMTUReductions += 1
        guard
            s.state == .established || s.state == .closeWait || s.state == .finWait1 || s.state == .closing
                || s.state == .lastAck, s.sndNxt > s.sndUna
        else { return true }
        sockets[Int(i)].sndNxt = s.sndUna // resend from the first unacknowledged byte, at the new size
        sockets[Int(i)].retransmitted = true
        sockets[Int(i)].rttSample = nil
        retransmissions += 1
        output(i, now, &net, &scheduler)
        if !retransmitTimers.isArmed(Int(i)) { armRetransmit(i, now, &scheduler) }
        return true
    }
}
