// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "custody-ledger",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "ledger", targets: ["ledger"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        // C sits at the bottom: the only target that sees OpenSSL's headers.
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .target(name: "LedgerCrypto", dependencies: ["COpenSSL"]),
        .target(name: "GS1"),
        .target(name: "LedgerFormat", dependencies: ["LedgerCrypto", "GS1"]),
        .target(name: "LedgerStore", dependencies: ["LedgerFormat", "LedgerCrypto"]),
        .target(name: "Custody", dependencies: ["GS1", "LedgerFormat", "LedgerCrypto"]),
        .target(
            name: "CustodyIndex",
            dependencies: ["Custody", "LedgerFormat", "LedgerStore", "LedgerCrypto", .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "GRDBSQLite", package: "GRDB.swift")]
        ),
        .target(name: "EPCIS", dependencies: ["GS1", "LedgerFormat", "LedgerCrypto"]),
        .target(name: "EPCISImport", dependencies: ["EPCIS", "Custody", "GS1", "LedgerFormat"]),
        // The verifier's custody replay spills to a SQLite scratch file (raw C API) when it outgrows its memory budget.
        .target(name: "LedgerVerify", dependencies: ["LedgerFormat", "LedgerStore", "LedgerCrypto", "Custody", "EPCISImport",
                                                     .product(name: "GRDBSQLite", package: "GRDB.swift")]),
        .target(name: "LedgerCore", dependencies: ["GS1", "LedgerFormat", "LedgerStore", "LedgerCrypto", "LedgerVerify", "Custody", "CustodyIndex", "EPCIS", "EPCISImport"]),
        // Investigator reports: built from the ledger, checked offline from the JSON and the operator key, rendered
        // to HTML through a Mustache template (the only module that sees Mustache).
        .target(
            name: "CustodyReport",
            dependencies: ["LedgerCore", "LedgerFormat", "LedgerStore", "LedgerCrypto", "Custody", "CustodyIndex", "GS1",
                           .product(name: "Mustache", package: "swift-mustache")]
        ),
        .executableTarget(
            name: "ledger",
            dependencies: [
                "LedgerCore",
                "CustodyReport",
                "GS1",
                "Custody",
                "CustodyIndex",
                "EPCIS",
                "LedgerVerify",
                "LedgerStore",
                "LedgerCrypto",
                "LedgerFormat",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Benchmarks (run by tools/bench-*.sh in release mode; never by the tests).
        .executableTarget(name: "ledger-bench", dependencies: ["LedgerCore", "LedgerVerify", "Custody", "CustodyIndex", "CustodyReport", "EPCIS", "EPCISImport",
                                                            "LedgerStore", "LedgerCrypto", "LedgerFormat"]),
        .testTarget(
            name: "LedgerCryptoTests",
            // COpenSSL: OpenSSL's own EVP_PKEY_verify is the reference the P-256 edge vectors are checked against.
            dependencies: ["LedgerCrypto", "COpenSSL"],
            resources: [.copy("Resources")]
        ),
        .testTarget(name: "LedgerFormatTests", dependencies: ["LedgerFormat", "GS1", "LedgerCrypto"], resources: [.copy("Resources")]),
        .testTarget(name: "GS1Tests", dependencies: ["GS1"]),
        .testTarget(name: "LedgerStoreTests", dependencies: ["LedgerStore", "LedgerFormat", "LedgerCrypto"]),
        .testTarget(name: "LedgerCoreTests", dependencies: ["LedgerCore", "LedgerVerify", "Custody", "CustodyIndex", "GS1", "LedgerCrypto",
                                                           "LedgerFormat", "LedgerStore"]),
        .testTarget(name: "FormatVectorTests", dependencies: ["LedgerCore", "LedgerVerify", "LedgerCrypto", "LedgerFormat", "LedgerStore"]),
        .testTarget(name: "LedgerCLITests", dependencies: ["ledger"]),
        .testTarget(name: "EPCISTests", dependencies: ["EPCIS", "EPCISImport", "LedgerCore", "Custody", "CustodyIndex", "LedgerCrypto", "LedgerFormat",
                                                      "LedgerStore", "LedgerVerify"], resources: [.copy("Resources")]),
        .testTarget(name: "CustodyReportTests", dependencies: ["CustodyReport", "LedgerCore", "LedgerStore", "LedgerVerify", "Custody",
                                                              "LedgerCrypto", "LedgerFormat"]),
        .testTarget(name: "CustodyTests", dependencies: ["Custody", "GS1", "LedgerFormat", "LedgerCrypto"]),
    ]
)
