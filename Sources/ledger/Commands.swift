import ArgumentParser
import LedgerCore
import LedgerCrypto
import LedgerFormat
import LedgerStore
import LedgerVerify
#if canImport(Glibc)
import Glibc
#endif

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a ledger: its data directory, operator key and genesis entry.",
        discussion: """
        Writes DIR/operator.key (mode 0600) and DIR/operator.key.pub unless --operator-key names an \
        existing Ed25519 key. The operator's public key is the trust anchor of every verification.

        Example:
          ledger init --data ./ledger-data --origin example.com/custody-ledger
        """
    )

    @OptionGroup var options: DataOptions
    @Option(help: "The ledger's origin: its name in checkpoints and in every signature (printable ASCII, no spaces).")
    var origin: String = "custody-ledger.local/ledger"
    @Option(name: .customLong("operator-key"), help: ArgumentHelp("Use this existing Ed25519 private key as the operator key.", valueName: "FILE"))
    var operatorKey: String?

    func run() throws {
        let layout = options.layout
        if layout.exists { throw StoreError.alreadyExists(directory: layout.directory) }
        if let problem = GenesisBody.originProblem(origin) { throw InputError(source: "--origin", reason: problem) }
        let key: PrivateKey
        let keyPath: String
        if let operatorKey {
            key = try KeyFiles.readPrivateKey(operatorKey)
            keyPath = operatorKey
        } else {
            try makeDirectory(layout.directory)
            key = try PrivateKey.generate(.ed25519)
            keyPath = options.operatorKeyPath
            try KeyFiles.write(key, to: keyPath)
        }
        let ledger = try Ledger.create(layout: layout, origin: origin, operatorKey: key)
        defer { ledger.close() }
        print("""
        created ledger \(origin) in \(layout.directory)
        operator key \(key.publicKey.keyID): \(keyPath) (private, mode 0600), \(keyPath).pub (public: the trust anchor)
        genesis entry 0: \(Hex.encode(ledger.head!.hash))
        """)
    }
}

/// Creates a directory (and parents) or fails with a clear message.
func makeDirectory(_ path: String) throws {
    var current = path.hasPrefix("/") ? "" : "."
    for component in path.split(separator: "/") {
        current += "/" + component
        if mkdir(current, 0o755) != 0 && errno != EEXIST {
            throw CommandFailure(status: Status.io, "cannot create directory \(current): \(String(cString: strerror(errno)))")
        }
    }
}

struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Generate a signing key: FILE (private, PKCS#8 PEM, mode 0600) and FILE.pub (public, SPKI PEM).",
        discussion: """
        The key id printed is the first 8 bytes of SHA-256 of the public key (hex); the ledger names keys by it.

        Example:
          ledger keygen --alg p256 --out acme.key
        """
    )

    enum Algorithm: String, ExpressibleByArgument, CaseIterable {
        case ed25519, p256
    }

    @Option(help: "The algorithm: ed25519 or p256 (ECDSA P-256 with SHA-256).")
    var alg: Algorithm = .ed25519
    @Option(help: ArgumentHelp("Where to write the private key; the public key goes to FILE.pub.", valueName: "FILE"))
    var out: String

    func run() throws {
        let key = try PrivateKey.generate(alg == .ed25519 ? .ed25519 : .p256)
        try KeyFiles.write(key, to: out)
        print("\(alg.rawValue) key \(key.publicKey.keyID): private \(out) (mode 0600), public \(out).pub")
    }
}

struct AppendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "append",
        abstract: "Sign JSON body files with a partner key and append them as one durable batch.",
        discussion: """
        Each FILE is a JSON object with "type" (commission, aggregate, disaggregate, transfer, receive, \
        decommission, return), optionally "version" (1), and the body's fields. The signer is the partner \
        the key is registered to. Every file is checked first; if one is refused, nothing is written.

        Example:
          ledger append --key acme.key commission.json
        """
    )

    @OptionGroup var options: DataOptions
    @Option(help: ArgumentHelp("The signer's private key (mode 0600).", valueName: "KEY"))
    var key: String
    @Flag(help: "Print the appended entries as JSON.")
    var json = false
    @Argument(help: ArgumentHelp("Body files; several make one batch sharing one sync.", valueName: "FILE"))
    var files: [String]

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one body FILE") }
    }

    func run() throws {
        let signingKey = try KeyFiles.readPrivateKey(key)
        var inputs: [BodyInput] = []
        for file in files {
            inputs.append(try BodyInput(bytes: try readInputFile(file), source: file))
        }
        let ledger = try Ledger.open(layout: options.layout, checkpointKey: try options.checkpointKey())
        defer { ledger.close() }
        if let recovery = ledger.recovery { FileHandleOutput.standardError("ledger: \(recovery)") }
        let pending = try zip(inputs, files).map { try ledger.sign(ledger.completing($0), with: signingKey, source: $1) }
        let appended = try ledger.append(pending, sources: files)
        if let error = ledger.headWriteError { FileHandleOutput.standardError("ledger: warning: appended, but HEAD was not updated: \(error)") }
        for entry in appended {
            print(json ? entry.json.canonicalString : "appended entry \(entry.entry.seq) \(entry.entry.submission.bodyType) \(Hex.encode(entry.hash))")
        }
    }
}

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print one entry: every field, its hash and its body.",
        discussion: """
        Example:
          ledger show 0
        """
    )

    @OptionGroup var options: DataOptions
    @Argument(help: "The entry's sequence number.")
    var seq: UInt64
    @Flag(help: "Print compact JSON on one line instead of indented JSON.")
    var json = false

    func run() throws {
        guard let entry = try LedgerReader(layout: options.layout).entry(seq) else {
            throw CommandFailure(status: Status.usage, "no entry \(seq) in \(options.directory)")
        }
        print(json ? entry.json.canonicalString : entry.json.prettyString)
    }
}

struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "List entries: sequence number, append time, body type, signer, short hash.",
        discussion: """
        Example:
          ledger log --from 10 --limit 5
        """
    )

    @OptionGroup var options: DataOptions
    @Option(help: "The first entry to list.")
    var from: UInt64 = 0
    @Option(help: "At most this many entries.")
    var limit: Int?
    @Flag(help: "One JSON object per line (JSON Lines) with every field.")
    var json = false

    func run() throws {
        var count = 0
        try LedgerReader(layout: options.layout).forEach(fromSeq: from) { entry in
            if let limit, count >= limit { return false }
            print(json ? entry.json.canonicalString : entry.summaryLine)
            count += 1
            return true
        }
    }
}

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Build a realistic demonstration ledger with real keys and signatures.",
        discussion: """
        A manufacturer commissions 12 bottles and 2 cases, packs them onto a pallet, and sells it to a \
        wholesaler through a 3PL; the wholesaler splits a case and sells to two pharmacies; one bottle is \
        dispensed, one reported stolen, one returned. Partner keys go to DIR/demo-keys/ (mode 0600).
        With --replace, an existing demo ledger in DIR is deleted first (never a ledger of another origin).

        Example:
          ledger demo --data ledger-data --replace
        """
    )

    @OptionGroup var options: DataOptions
    @Flag(help: "Delete an existing demo ledger in DIR first.") var replace = false

    func run() throws {
        let layout = options.layout
        if layout.exists {
            let registry = try? Ledger.replayRegistry(layout: layout, trustAnchor: nil)
            guard replace, registry?.origin == DemoScenario.origin else {
                throw CommandFailure(status: Status.usage, registry?.origin == DemoScenario.origin
                    ? "\(layout.directory) already holds the demo ledger; add --replace to build it again"
                    : "\(layout.directory) already holds a ledger that is not the demo; choose another --data directory")
            }
            for path in ["log", "recovered", "demo-keys", "merkle"] { try removeTree(layout.directory + "/" + path) }
            for file in ["HEAD", "LOCK", "operator.key", "operator.key.pub", "checkpoint", "checkpoints.log",
                         "index.sqlite", "index.sqlite-wal", "index.sqlite-shm"] {
                unlink(layout.directory + "/" + file)
            }
        }
        try makeDirectory(layout.directory)
        let steps = try DemoScenario(layout: layout).run()
        print("Built the demo ledger in \(layout.directory) (origin \(DemoScenario.origin)):")
        for step in steps {
            let seqs = step.seqs.count == 1 ? "entry \(step.seqs.lowerBound)" : "entries \(step.seqs.lowerBound)–\(step.seqs.upperBound)"
            print("  \(seqs): \(step.actor) \(step.text)")
        }
        let data = options.data.map { " --data \($0)" } ?? ""
        print("""

        Keys: \(layout.directory)/operator.key (operator), \(layout.directory)/demo-keys/<GLN>.key (partners).
        Try:
          ledger log\(data)                     every entry
          ledger show\(data) \(steps[3].seqs.lowerBound)                 the manufacturer's sale, with its TI, TS and TH
          ledger partner list\(data)            the registered partners
          ledger custody\(data) '(01)00312345678906(21)AMX1001'   the dispensed bottle's whole chain of custody
          ledger lot\(data) 00312345678906 LOT2026A                where every bottle of the lot is now
          ledger verify\(data)                  re-verify every hash, the chain, every signature and the custody rules
        """)
    }
}
