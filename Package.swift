// swift-tools-version: 6.1
import PackageDescription

// Module map (one concern per module; arrows are dependencies):
//
//   CanonicalJSON            JSON values, strict parser, RFC 8785 writer (no I/O)
//   QCreditDomain  -> CanonicalJSON, Crypto  codes, files, events, grading, listings (no I/O)
//   Varlink        -> CanonicalJSON, NIOCore generic varlink messages, errors, interfaces, codec
//   VarlinkNIO     -> Varlink, NIOPosix, CEpoll  the socket layer: server (its accept loop answers
//                                            point reads on an epoll loop of its own), client, peer credentials
//   QCreditCrypto  -> COpenSSL               SHA-256, SM3, Ed25519, SM2 through OpenSSL's libcrypto; hex
//   SignedNote     -> QCreditCrypto          C2SP signed notes: Ed25519 and SM2/SM3 signers, verifier keys
//   TransparencyLog-> QCreditCrypto          RFC 6962 Merkle tree, proofs, C2SP checkpoint and tlog-proof
//   QCreditStore   -> Domain, Crypto, TransparencyLog, GRDB (+ SQLite's C API)   SQLite schema (Schema/), migrations, queries
//   QCreditLog     -> Store, TransparencyLog, SignedNote   signed checkpoints and their history, proofs,
//                                            evidence, replaying records into a restored database
//   QCreditExport  -> Crypto, SignedNote, TransparencyLog  signed export directories: writer and verifier
//   QCreditRegistry-> Store, Domain, Crypto  the registry's operations and clock
//   QCreditConfig  -> Domain, TOMLKit        the config file and the policy file (TOML)
//   QCreditService -> Registry, Log, Export, Varlink, CMalloc   org.qcredit.* interfaces, roles, method table; the
//                                            methods reach the store only through Registry. Operations/
//                                            (the export and the backup) also read Store directly: they
//                                            copy one whole snapshot of the database
//   QCreditDaemon  -> Service, Config, Log, Export, VarlinkNIO   config, lifecycle, maintenance; `qcreditd` is its main
//   QCreditCLI     -> VarlinkNIO, Domain, Config, Export, Log, Store   the `qcredit` client commands; `restore` works on the
//                                            state directory itself, with the daemon stopped
//   QCreditFuzz    -> the parsers above      fuzz targets with their invariants; `qcredit-fuzz` runs them
//   QCreditTestSupport (Tests/)              starts the programs tests run (posix_spawn, not Foundation's Process)
let package = Package(
    name: "qcredit",
    // Linux is the target; the macOS floor only states what the code needs (Synchronization,
    // async ArgumentParser commands) for anyone building there.
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "qcreditd", targets: ["qcreditd"]),
        .executable(name: "qcredit", targets: ["qcredit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // TOML for the config file and the grading policy: operators edit both by hand and
        // want comments; none of the preferred packages parses TOML.
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        .target(name: "CanonicalJSON"),
        // OpenSSL's libcrypto (SHA-256, SM3, Ed25519, SM2) and the Swift API over it.
        .systemLibrary(
            name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]
        ),
        // Whether another user could change what a path leads to (keys, backups, results, the socket).
        .target(name: "FileSafety"),
        .target(name: "QCreditCrypto", dependencies: ["COpenSSL", "FileSafety"]),
        .target(name: "SignedNote", dependencies: ["QCreditCrypto"]),
        .target(name: "TransparencyLog", dependencies: ["QCreditCrypto"]),
        .target(name: "QCreditExport", dependencies: ["CanonicalJSON", "QCreditCrypto", "SignedNote", "TransparencyLog"]),
        .target(name: "QCreditDomain", dependencies: ["CanonicalJSON", "QCreditCrypto"]),
        .target(
            name: "Varlink",
            dependencies: ["CanonicalJSON", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .target(
            name: "VarlinkNIO",
            dependencies: [
                "Varlink", "CEpoll", "FileSafety",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "QCreditStore",
            dependencies: [
                "QCreditDomain", "QCreditCrypto", "TransparencyLog", .product(name: "GRDB", package: "GRDB.swift"),
                // SQLite's C API, for the bulk inserts (BulkStatement).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                "CSQLiteSetup",
            ],
            plugins: ["EmbedSchema"]
        ),
        .target(
            name: "QCreditRegistry",
            dependencies: ["QCreditCrypto", "QCreditDomain", "QCreditStore", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "QCreditLog",
            dependencies: [
                "CanonicalJSON", "QCreditDomain", "QCreditStore", "TransparencyLog", "SignedNote", "QCreditCrypto",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "QCreditConfig",
            dependencies: ["QCreditDomain", .product(name: "TOMLKit", package: "TOMLKit")],
            exclude: ["Defaults"],
            plugins: ["EmbedResources"]
        ),
        // sqlite3_config, which is variadic: SQLite's process-wide settings.
        .systemLibrary(name: "CSQLiteSetup", path: "Sources/CSQLiteSetup"),
        // epoll, eventfd and accept4 for the server's accept loop (not in Swift's Glibc module).
        .systemLibrary(name: "CEpoll", path: "Sources/CEpoll"),
        // glibc's malloc_trim, for the in-memory grade index's builds.
        .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),
        .target(
            name: "QCreditService",
            dependencies: [
                "QCreditRegistry", "QCreditStore", "QCreditLog", "QCreditExport", "TransparencyLog", "Varlink", "CMalloc", "QCreditCrypto",
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Interfaces"],
            plugins: ["EmbedResources"]
        ),
        .target(
            name: "QCreditDaemon",
            dependencies: [
                "QCreditService", "QCreditConfig", "QCreditLog", "QCreditExport", "QCreditCrypto", "QCreditStore", "SignedNote", "VarlinkNIO",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(
            name: "QCreditCLI",
            dependencies: [
                "CanonicalJSON", "QCreditDomain", "QCreditConfig", "QCreditCrypto", "SignedNote", "TransparencyLog",
                "QCreditExport", "QCreditStore", "QCreditLog", "Varlink", "VarlinkNIO",
                // The interface files, to check that replies are what they declare.
                "QCreditService", "FileSafety",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "qcreditd", dependencies: ["QCreditDaemon"]),
        .executableTarget(name: "qcredit", dependencies: ["QCreditCLI"]),
        // Load figures against a running daemon (Scripts/benchmark, BENCHMARKS.md).
        .executableTarget(
            name: "qcredit-bench",
            dependencies: [
                "CanonicalJSON", "QCreditDomain", "QCreditStore", "QCreditRegistry", "QCreditConfig", "QCreditLog",
                "QCreditService", "QCreditExport", "QCreditCrypto", "TransparencyLog", "VarlinkNIO",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Redis under vlbench's clock, for the side-by-side tails (Scripts/benchmark-compare).
        .executableTarget(name: "resp-bench"),
        // Kill -9 trials against the real daemon while clients write (Scripts/crash-test, README).
        .executableTarget(
            name: "qcredit-crash",
            dependencies: [
                "CanonicalJSON", "QCreditDomain", "QCreditConfig", "QCreditExport", "QCreditLog", "SignedNote", "TransparencyLog", "Varlink",
                "VarlinkNIO", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Fuzz targets (Scripts/fuzz). A plain build replays inputs through them; built by
        // Scripts/fuzz with coverage and ASan, `qcredit-fuzz` runs libFuzzer (CLibFuzzer declares
        // its driver, which Scripts/fuzz links in).
        .target(
            name: "QCreditFuzz",
            dependencies: [
                "CanonicalJSON", "QCreditDomain", "QCreditConfig", "QCreditCrypto", "SignedNote", "TransparencyLog",
                "QCreditExport", "Varlink", "VarlinkNIO",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .systemLibrary(name: "CLibFuzzer", path: "Sources/CLibFuzzer"),
        .executableTarget(name: "qcredit-fuzz", dependencies: ["QCreditFuzz", "CLibFuzzer"]),

        // Build-time embedding of text files (SQL migrations, interface files, the default
        // policy) into the binaries, so an installed daemon needs no resource bundle.
        .executableTarget(name: "embed-text", path: "Sources/Plugins/EmbedTextTool"),
        .plugin(
            name: "EmbedSchema", capability: .buildTool(), dependencies: ["embed-text"],
            path: "Sources/Plugins/EmbedSchema"
        ),
        .plugin(
            name: "EmbedResources", capability: .buildTool(), dependencies: ["embed-text"],
            path: "Sources/Plugins/EmbedResources"
        ),

        // Shared by the test targets: starting programs without Foundation's `Process`.
        .target(name: "QCreditTestSupport", path: "Tests/QCreditTestSupport"),
        .testTarget(name: "CanonicalJSONTests", dependencies: ["CanonicalJSON"]),
        .testTarget(name: "FileSafetyTests", dependencies: ["FileSafety"]),
        .testTarget(name: "QCreditCryptoTests", dependencies: ["QCreditCrypto", "QCreditTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "SignedNoteTests", dependencies: ["SignedNote", "QCreditCrypto"], exclude: ["Fixtures"]),
        .testTarget(name: "TransparencyLogTests", dependencies: ["TransparencyLog", "QCreditCrypto"], exclude: ["Fixtures"]),
        .testTarget(
            name: "QCreditExportTests",
            dependencies: ["QCreditExport", "QCreditCrypto", "SignedNote", "TransparencyLog", "CanonicalJSON", "QCreditTestSupport"]
        ),
        .testTarget(name: "QCreditDomainTests", dependencies: ["QCreditDomain"], exclude: ["Fixtures"]),
        .testTarget(name: "QCreditLogTests", dependencies: ["QCreditLog", "QCreditCrypto"]),
        .testTarget(
            name: "VarlinkTests",
            dependencies: ["Varlink", "VarlinkNIO", "QCreditTestSupport", .product(name: "NIOEmbedded", package: "swift-nio")]),
        .testTarget(
            name: "QCreditRegistryTests",
            dependencies: [
                "QCreditRegistry", "QCreditStore", "QCreditConfig", "QCreditCrypto", "TransparencyLog",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "QCreditServiceTests",
            dependencies: [
                "QCreditService", "QCreditConfig", "QCreditRegistry", "QCreditLog", "QCreditCrypto", "SignedNote",
                "TransparencyLog", "Varlink", .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "QCreditFuzzTests", dependencies: ["QCreditFuzz", "SignedNote"]),
        .testTarget(
            name: "QCreditIntegrationTests",
            dependencies: [
                "QCreditDaemon", "QCreditCLI", "QCreditDomain", "Varlink", "VarlinkNIO", "CanonicalJSON", "QCreditTestSupport",
                "qcreditd", "qcredit",
            ],
            exclude: ["Interop"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
