import Foundation
import QCreditConfig
import QCreditDomain
import Testing

@Suite struct DaemonConfigurationTests {
    /// A directory given as the config file is named as one (it was "not a file it can read").
    @Test func aDirectoryGivenAsTheConfigFileIsNamedAsOne() {
        let directory = FileManager.default.temporaryDirectory.path
        do {
            _ = try DaemonConfiguration.load(path: directory)
            Issue.record("a directory was read as a config file")
        } catch {
            #expect("\(error)" == "\(directory): cannot read the config file: is a directory")
        }
    }

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
            regradeTime = "02:30"
            walCheckpointPages = 2500
            [log]
            origin = "qcredit.example.gov.cn/registry"
            keys = ["/etc/qcredit/keys/ed25519.pem", "/etc/qcredit/keys/sm2.pem"]
            checkpointIntervalSeconds = 2
            [limits]
            maxMessageBytes = 65536
            maxMessageBytesReadOnly = 32768
            maxMessageBytesNoRole = 4096
            maxConnections = 10
            maxConnectionsPerUser = 5
            idleTimeoutSeconds = 30
            writeTimeoutSeconds = 7
            shutdownTimeoutSeconds = 3
            [roles]
            regulator = ["group:qcredit-regulator", "user:alice"]
            bank = ["uid:1002"]
            """, file: "q.toml")
        #expect(configuration.stateDirectory == "/srv/qcredit")
        #expect(configuration.socketPath == "/run/qcredit/q.sock")
        #expect(configuration.socketMode == 0o660)
        #expect(configuration.socketGroup == "qcredit")
        #expect(configuration.policyPath == "/etc/qcredit/policy.toml")
        #expect(configuration.walCheckpointPages == 2500)
        #expect(configuration.utcOffset == UTCOffset.beijing)
        #expect(configuration.regradeMinuteOfDay == 150)
        #expect(configuration.limits.maxMessageBytes == 65536)
        #expect(configuration.limits.maxMessageBytesReadOnly == 32768)
        #expect(configuration.limits.maxMessageBytesNoRole == 4096)
        #expect(configuration.limits.maxConnections == 10)
        #expect(configuration.limits.maxConnectionsPerUser == 5)
        #expect(configuration.limits.idleTimeoutSeconds == 30)
        #expect(configuration.limits.writeTimeoutSeconds == 7)
        #expect(configuration.limits.shutdownTimeoutSeconds == 3)
        #expect(configuration.limits.shutdownDrainPeriod == .milliseconds(2250), "a quarter kept of a bound under 8 s")
        #expect(configuration.roles?[.regulator] == [.group("qcredit-regulator"), .user("alice")])
        #expect(configuration.roles?[.bank] == [.uid(1002)])
        #expect(configuration.roles?[.auditor] == nil)
        #expect(configuration.log.origin == "qcredit.example.gov.cn/registry")
        #expect(configuration.log.keyName == nil)
        #expect(configuration.log.keyFiles == ["/etc/qcredit/keys/ed25519.pem", "/etc/qcredit/keys/sm2.pem"])
        #expect(configuration.log.checkpointIntervalSeconds == 2)
    }

    @Test(arguments: ["24:00", "2:30", "02:60", "0230", "noon", "+6:30", "-1:30", "٠٢:٣٠"])
    func aRegradeTimeMustBeATimeOfDay(_ time: String) {
        #expect(throws: ConfigurationError.self) {
            try DaemonConfiguration.parse("regradeTime = \"\(time)\"", file: "q.toml")
        }
    }

    @Test func theRegradeAfterWritesIsOneSecondByDefaultAndZeroTurnsItOff() throws {
        #expect(try DaemonConfiguration.parse("", file: "q.toml").regradeAfterWritesSeconds == 1)
        #expect(try DaemonConfiguration.parse("regradeAfterWritesSeconds = 0", file: "q.toml").regradeAfterWritesSeconds == 0)
        #expect(throws: ConfigurationError.self) {
            try DaemonConfiguration.parse("regradeAfterWritesSeconds = -1", file: "q.toml")
        }
    }

    @Test func anEmptyFileMeansTheDefaultsAndNoRoles() throws {
        let configuration = try DaemonConfiguration.parse("", file: "empty.toml")
        #expect(configuration.stateDirectory == "/var/lib/qcredit")
        #expect(configuration.socketPath == "/run/qcredit/qcreditd.sock")
        #expect(configuration.roles == [:])
        let limits = configuration.limits
        #expect(limits.maxMessageBytes == 8 << 20)
        #expect(limits.maxMessageBytesReadOnly == 1 << 20)
        #expect(limits.maxMessageBytesNoRole == 64 << 10)
        #expect(limits.maxConnections == 256)
        #expect(limits.maxConnectionsPerUser == 64)
        #expect(limits.idleTimeoutSeconds == 300)
        #expect(limits.writeTimeoutSeconds == 30)
        #expect(limits.shutdownTimeoutSeconds == 10)
        // Calls in progress get 9 s of the 10: the last second is for the last checkpoint.
        #expect(limits.shutdownDrainPeriod == .seconds(8))
        // A quarter of the places for peers without a role, unless set.
        #expect(limits.connectionsWithoutRole == 64)
        #expect(try DaemonConfiguration.parse("[limits]\nmaxConnections = 10\nmaxConnectionsPerUser = 5\nmaxConnectionsWithoutRole = 3", file: "c.toml").limits.connectionsWithoutRole == 3)
        // A smaller maxConnections alone brings the per-uid default down with it (it was refused
        // for a maxConnectionsPerUser of 64 the file never set).
        let fewer = try DaemonConfiguration.parse("[limits]\nmaxConnections = 32", file: "c.toml").limits
        #expect(fewer.maxConnectionsPerUser == 32)
        #expect(try DaemonConfiguration.parse("[limits]\nmaxConnections = 1000", file: "c.toml").limits.maxConnectionsPerUser == 64)
    }

    /// The commented example operators start from states every limit at its default.
    @Test func theExampleConfigStatesTheDefaultLimits() throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("systemd/qcreditd.example.toml").path
        let configuration = try DaemonConfiguration.load(path: example)
        #expect(configuration.limits == DaemonConfiguration.Limits())
        #expect(configuration.walCheckpointPages == DaemonConfiguration().walCheckpointPages)
        // Exports where they can be fetched, their restricted parts for the auditors' group.
        #expect(configuration.exportDirectory == "/var/lib/qcredit-exports")
        #expect(configuration.export.restrictedGroup == "qcredit-auditor")
        #expect(DaemonConfiguration().export.restrictedGroup == nil)
    }

    @Test func aPeerMayHoldUnreadAsMuchAsItsRolesNeed() {
        let limits = DaemonConfiguration.Limits()
        #expect(limits.maxMessageBytes(for: [.regulator]) == 8 << 20)
        #expect(limits.maxMessageBytes(for: [.operator]) == 8 << 20)
        #expect(limits.maxMessageBytes(for: [.bank, .regulator]) == 8 << 20)
        #expect(limits.maxMessageBytes(for: [.bank]) == 1 << 20)
        #expect(limits.maxMessageBytes(for: [.auditor, .bank]) == 1 << 20)
        #expect(limits.maxMessageBytes(for: []) == 64 << 10)
        // GetGrades of 10,000 USCCs fits a bank's limit.
        let codes = Array(repeating: "\"911522010783762860\"", count: 10_000).joined(separator: ",")
        let call = #"{"method":"org.qcredit.query.GetGrades","parameters":{"codes":["# + codes + #"]},"more":true}"#
        #expect(call.utf8.count < limits.maxMessageBytesReadOnly)
    }

    @Test func mistakesNameTheSetting() {
        let cases: [(String, String)] = [
            ("socketMode = \"0999\"", "c.toml: socketMode: '0999' is not an octal mode such as \"0660\""),
            ("socketMode = \"+660\"", "c.toml: socketMode: '+660' is not an octal mode such as \"0660\""),
            ("[limits]\nmaxConnections = 0", "c.toml: limits.maxConnections: must be greater than 0"),
            (
                "[limits]\nmaxConnectionsWithoutRole = 256",
                "c.toml: limits.maxConnectionsWithoutRole (256) must be below maxConnections (256), or no place is kept for peers with a role"
            ),
            (
                "[limits]\nmaxConnections = 1\nmaxConnectionsPerUser = 1",
                "c.toml: limits.maxConnections (1) must be at least 2: peers holding no role share a quarter of it (at least one connection), and a place is kept for peers with a role"
            ),
            ("[limits]\nshutdownTimeoutSeconds = -1", "c.toml: limits.shutdownTimeoutSeconds: must be greater than 0"),
            // Past a year a timer's clock arithmetic would overflow after the daemon had started.
            ("[log]\ncheckpointIntervalSeconds = 9007199254740991", "c.toml: log.checkpointIntervalSeconds: must be at most 31536000 (a year)"),
            ("[log]\ncheckpointIntervalSeconds = 9223372036854775807", "c.toml: log.checkpointIntervalSeconds: 9223372036854775807 is beyond ±(2^53−1)"),
            ("maintenanceIntervalSeconds = 31536001", "c.toml: maintenanceIntervalSeconds: must be at most 31536000 (a year)"),
            ("walCheckpointPages = 0", "c.toml: walCheckpointPages: must be greater than 0"),
            ("walCheckpointPages = 1000001", "c.toml: walCheckpointPages: must be at most 1000000"),
            ("[limits]\nidleTimeoutSeconds = 99999999999", "c.toml: limits.idleTimeoutSeconds: must be at most 31536000 (a year)"),
            ("[limits]\nmaxMessageBytesForBanks = 5", "c.toml: limits.maxMessageBytesForBanks: unknown setting"),
            ("[roles]\nbank = [\"gid:5\"]", "c.toml: roles.bank: 'gid:5' is not user:NAME, group:NAME or uid:N"),
            ("[roles]\nbanker = [\"uid:5\"]", "c.toml: roles.banker: unknown setting"),
            ("timeZone = \"Asia/Shanghai\"", "c.toml: timeZone: 'Asia/Shanghai' is not a fixed offset from -12:00 to +14:00"),
            ("timeZone = \"+15:00\"", "c.toml: timeZone: '+15:00' is not a fixed offset from -12:00 to +14:00"),
            // Limits that contradict each other.
            ("[limits]\nmaxMessageBytesNoRole = 10", "c.toml: limits.maxMessageBytesNoRole: 10 is below 4096 bytes"),
            ("[limits]\nmaxMessageBytes = 100000", "c.toml: limits.maxMessageBytesNoRole (65536) ≤ maxMessageBytesReadOnly"),
            ("[limits]\nmaxConnectionsPerUser = 1000", "c.toml: limits.maxConnectionsPerUser (1000) exceeds maxConnections (256)"),
            ("[limits]\nshutdownTimeoutSeconds = 1000", "c.toml: limits.shutdownTimeoutSeconds: 1000 leaves no time"),
            ("[log]\nkeys = [\"/k/a.pem\", \"/k/a.pem\"]", "c.toml: log.keys: /k/a.pem is listed twice"),
            // An empty list is not the default (which makes new keys: a new signer for the log).
            ("[log]\nkeys = []", "c.toml: log.keys: is empty: list the signing key files"),
            ("socket = 5", "c.toml: socket: expected a string, found an integer"),
            ("[log]\norigin = \"bad origin\"", "c.toml: log.origin: 'bad origin' must be non-empty, without spaces or '+'"),
            ("[export]\nrestrictedGroup = \"\"", "c.toml: export.restrictedGroup: must name a group"),
            ("[export]\nrestrictedGroup = 5", "c.toml: export.restrictedGroup: expected a string, found an integer"),
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
