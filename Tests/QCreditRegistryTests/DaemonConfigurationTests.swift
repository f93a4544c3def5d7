import QCreditConfig
import QCreditDomain
import Testing

@Suite struct DaemonConfigurationTests {
    @Test func aFullConfigFileIsRead() throws {
        let configuration = try DaemonConfiguration.parse(
            """
            # comments are welcome
            stateDirectory = "/srv/qcredit"
            socket = "/run/qcredit/q.sock"
            socketMode = "0660"
            socketGroup = "qcredit"
            policy = "/etc/qcredit/policy.toml"
            timeZone = "+08:00"
            maintenanceIntervalSeconds = 60
            [log]
            origin = "qcredit.example.gov.cn/registry"
            keys = ["/etc/qcredit/keys/ed25519.pem", "/etc/qcredit/keys/sm2.pem"]
            checkpointIntervalSeconds = 2
            [limits]
            maxMessageBytes = 65536
            maxConnections = 10
            idleTimeoutSeconds = 30
            [roles]
            regulator = ["group:qcredit-regulator", "user:alice"]
            bank = ["uid:1002"]
            """, file: "q.toml")
        #expect(configuration.stateDirectory == "/srv/qcredit")
        #expect(configuration.socketPath == "/run/qcredit/q.sock")
        #expect(configuration.socketMode == 0o660)
        #expect(configuration.socketGroup == "qcredit")
        #expect(configuration.policyPath == "/etc/qcredit/policy.toml")
        #expect(configuration.utcOffset == UTCOffset.beijing)
        #expect(configuration.limits.maxMessageBytes == 65536)
        #expect(configuration.limits.maxConnections == 10)
        #expect(configuration.limits.idleTimeoutSeconds == 30)
        #expect(configuration.roles?[.regulator] == [.group("qcredit-regulator"), .user("alice")])
        #expect(configuration.roles?[.bank] == [.uid(1002)])
        #expect(configuration.roles?[.auditor] == nil)
        #expect(configuration.log.origin == "qcredit.example.gov.cn/registry")
        #expect(configuration.log.keyName == nil)
        #expect(configuration.log.keyFiles == ["/etc/qcredit/keys/ed25519.pem", "/etc/qcredit/keys/sm2.pem"])
        #expect(configuration.log.checkpointIntervalSeconds == 2)
    }

    @Test func anEmptyFileMeansTheDefaultsAndNoRoles() throws {
        let configuration = try DaemonConfiguration.parse("", file: "empty.toml")
        #expect(configuration.stateDirectory == "/var/lib/qcredit")
        #expect(configuration.socketPath == "/run/qcredit/qcreditd.sock")
        #expect(configuration.roles == [:])
    }

    @Test func mistakesNameTheSetting() {
        let cases: [(String, String)] = [
            ("socketMode = \"0999\"", "c.toml: socketMode: '0999' is not an octal mode such as \"0660\""),
            ("[limits]\nmaxConnections = 0", "c.toml: limits.maxConnections: must be greater than 0"),
            ("[roles]\nbank = [\"gid:5\"]", "c.toml: roles.bank: 'gid:5' is not user:NAME, group:NAME or uid:N"),
            ("[roles]\nbanker = [\"uid:5\"]", "c.toml: roles.banker: unknown setting"),
            ("timeZone = \"Asia/Shanghai\"", "c.toml: timeZone: 'Asia/Shanghai' is not a fixed offset such as \"+08:00\""),
            ("socket = 5", "c.toml: socket: expected a string, found an integer"),
            ("[log]\norigin = \"bad origin\"", "c.toml: log.origin: 'bad origin' must be non-empty, without spaces or '+'"),
        ]
        for (text, expected) in cases {
            do {
                _ = try DaemonConfiguration.parse(text, file: "c.toml")
                Issue.record("accepted: \(text)")
            } catch {
                #expect(error.message.hasPrefix(expected), "\(error.message)")
            }
        }
    }

    @Test func theSocketIsFoundByFlagThenEnvironmentThenConfigThenDefault() {
        let environment = [SocketLocation.environmentVariable: "/tmp/env.sock"]
        #expect(SocketLocation.resolve(flag: "/tmp/flag.sock", environment: environment, configured: "/tmp/c.sock") == "/tmp/flag.sock")
        #expect(SocketLocation.resolve(flag: nil, environment: environment, configured: "/tmp/c.sock") == "/tmp/env.sock")
        #expect(SocketLocation.resolve(flag: nil, environment: [:], configured: "/tmp/c.sock") == "/tmp/c.sock")
        #expect(SocketLocation.resolve(flag: nil, environment: [:]) == "/run/qcredit/qcreditd.sock")
    }
}
