import Foundation
import Testing

/// Runs the real `ledger` binary (built beside the test bundle) and other processes.
enum CLI {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The directory holding the built products (`.build/debug`).
    static var productsDirectory: URL {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var directory = executable.deletingLastPathComponent()
        // The runner may live inside the .xctest bundle directory.
        while !FileManager.default.isExecutableFile(atPath: directory.appendingPathComponent("ledger").path),
              directory.path != "/" {
            directory.deleteLastPathComponent()
        }
        return directory
    }

    static var ledgerPath: String { productsDirectory.appendingPathComponent("ledger").path }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `executable` with `arguments` in `directory`, capturing output.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], in directory: String, environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "LEDGER_DATA")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Runs `ledger ARGS` in `directory`.
    @discardableResult
    static func ledger(_ arguments: [String], in directory: String, environment: [String: String] = [:]) throws -> Result {
        try run(ledgerPath, arguments, in: directory, environment: environment)
    }

    /// A fresh temporary directory, removed by the caller.
    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "ledger-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func write(_ text: String, to path: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    static func bytes(of path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }
}

/// A temporary directory with an initialised ledger and one registered Ed25519 partner.
struct CLILedger {
    let directory: String
    var data: String { directory + "/data" }

    init() throws {
        directory = try CLI.temporaryDirectory()
        try expectSuccess(CLI.ledger(["init", "--data", data, "--origin", "test.example/cli"], in: directory))
        try expectSuccess(CLI.ledger(["keygen", "--alg", "ed25519", "--out", "acme.key"], in: directory))
        try expectSuccess(CLI.ledger(["partner", "add", "--data", data, "--gln", "0614141000005", "--name", "Acme Pharma",
                                      "--role", "manufacturer", "--address", "1 Main St", "--key", "acme.key.pub"], in: directory))
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }

    @discardableResult
    func ledger(_ arguments: [String]) throws -> CLI.Result { try CLI.ledger(arguments, in: directory) }

    var segment: String { data + "/log/00000000000000000000.seg" }
}

func expectSuccess(_ result: CLI.Result, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(result.status == 0, "exit \(result.status): \(result.stderr)", sourceLocation: sourceLocation)
}
