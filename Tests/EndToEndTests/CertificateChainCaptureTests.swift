import Testing
import Foundation
import SimCore
import TestSupport
@testable import Experiments

/// Issue 11: in decryptable runs tshark dissects each server type's own certificate chain —
/// AWS front ends an "Amazon RSA 2048 M03" intermediate and Amazon Root CA 1 cross-signed by
/// Starfield, RDS its Region's rds-ca-rsa2048-g1 subordinate and root, nginx (internet and
/// partner servers) a Let's-Encrypt-shaped R10 intermediate naming no Amazon CA — with no
/// malformed frames or expert warnings.
@Suite(.serialized) struct CertificateChainCaptureTests {
    @Test func tsharkShowsEachServerTypesChain() throws {
        var kinds: Set<String> = []
        for topology in ["lambda-rds-dynamodb", "dataset-enterprise"] {
            let (summary, dir) = try DecryptableTests.run(topology, duration: .seconds(20))
            for p in summary.pcaps {
                let pcapng = try #require(p.pcapng.map { dir + "/" + $0 })
                let rows = try DecryptableTests.tshark(
                    pcapng, "tls.handshake.type == 11",
                    ["tcp.srcport", "tls.handshake.certificate_length", "x509sat.uTF8String"])
                for r in rows {
                    let port = r[0], lengths = r[1].split(separator: "|"), names = r[2]
                    if names.contains("Amazon RSA 2048 M03 (simulated)") {
                        kinds.insert("aws")
                        #expect(port == "443" && lengths.count == 3, "\(r)")
                        #expect(names.contains("Starfield Services Root Certificate Authority - G2 (simulated)"))
                        #expect(names.contains("Amazon Root CA 1 (simulated)"))
                    } else if names.contains("Subordinate CA RSA2048 G1.A.") {
                        kinds.insert("rds")
                        #expect(port == "5432" && lengths.count == 3, "\(r)")
                        #expect(names.contains("Amazon RDS us-east-1 Root CA RSA2048 G1 (simulated)"))
                        #expect(names.contains(".us-east-1.rds.amazonaws.com|RDS|Amazon.com"), "\(names)")
                    } else if names.contains("R10 (simulated)") {
                        kinds.insert("nginx")
                        #expect(lengths.count == 2 && !names.contains("Amazon"), "\(r)")
                        #expect(names.contains("ISRG Root X1 (simulated)"))
                    } else {
                        Issue.record("a Certificate of no known chain: \(r)")
                    }
                }
                let bad = try DecryptableTests.tshark(
                    pcapng, "_ws.malformed || _ws.expert.severity >= 6291456", ["frame.number"])
                #expect(bad.isEmpty, "\(topology): expert warnings in frames \(bad.prefix(5))")
            }
        }
        #expect(kinds == ["aws", "rds", "nginx"])
    }
}
