import ArgumentParser
import EPCIS
import LedgerCore
import LedgerCrypto
import LedgerFormat
import LedgerStore
import LedgerVerify
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Exit statuses (documented in `ledger --help` and the README).
enum Status {
    static let integrity: Int32 = 1
    static let usage: Int32 = 2
    static let io: Int32 = 3
}

/// A failure to report on stderr with an exit status.
struct CommandFailure: Error {
    var status: Int32
    var message: String

    init(status: Int32, _ message: String) {
        self.status = status
        self.message = message
    }

    /// Maps a library error to its exit status; nil for errors that are not the library's.
    init?(libraryError error: Error) {
        switch error {
        case let error as InputError: self.init(status: Status.usage, "refused: \(error)")
        case let error as EPCISError: self.init(status: Status.usage, "refused: \(error)")
        case let error as KeyFileError: self.init(status: Status.usage, "\(error)")
        case let error as CryptoError: self.init(status: Status.usage, "\(error)")
        case let error as JSONError: self.init(status: Status.usage, "\(error)")
        case let error as BodyError: self.init(status: Status.usage, "\(error)")
        case let error as RegistryError: self.init(status: Status.integrity, "registry: \(error)")
        case let error as StoreIOError: self.init(status: Status.io, "\(error)")
        case let error as StoreError:
            switch error {
            case .damaged: self.init(status: Status.integrity, "\(error)")
            case .noLedger, .alreadyExists: self.init(status: Status.usage, "\(error)")
            case .locked: self.init(status: Status.io, "\(error)")
            }
        case let error as DecodeError: self.init(status: Status.integrity, "undecodable entry: \(error)")
        default: return nil
        }
    }

    func print() { FileHandleOutput.standardError("ledger: error: \(message)") }
}

enum FileHandleOutput {
    static func standardError(_ text: String) {
        var line = text
        if !line.hasSuffix("\n") { line += "\n" }
        let bytes = Array(line.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(2, $0.baseAddress! + offset, bytes.count - offset) }
            if written <= 0 { break }
            offset += written
        }
    }

    static func standardOutput(_ text: String) {
        Swift.print(text)
    }
}

/// `--data DIR`, shared by every command that opens a ledger.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The data directory (default: $LEDGER_DATA, else ./ledger-data).", valueName: "DIR"))
    var data: String?

    var directory: String {
        if let data { return data }
        if let environment = getenv("LEDGER_DATA"), let value = String(validatingCString: environment), !value.isEmpty { return value }
        return "ledger-data"
    }

    var layout: StoreLayout { StoreLayout(directory: directory) }

    /// The default operator private key of this data directory.
    var operatorKeyPath: String { directory + "/operator.key" }

    /// The operator key that signs checkpoints, when this data directory holds it (a single-node deployment);
    /// nil when it is kept elsewhere (then appends write no checkpoint).
    func checkpointKey() throws -> PrivateKey? {
        guard access(operatorKeyPath, F_OK) == 0 else { return nil }
        do {
            return try KeyFiles.readPrivateKey(operatorKeyPath)
        } catch {
            // A partner's account need not read the operator's key: append anyway, without a checkpoint.
            FileHandleOutput.standardError("ledger: warning: no checkpoint will be signed: \(error)")
            return nil
        }
    }
}

/// Reads a whole file given on the command line, with an error naming it.
func readInputFile(_ path: String, limit: Int = 64 << 20) throws -> [UInt8] {
    guard let file = fopen(path, "rb") else {
        throw CommandFailure(status: Status.usage, "cannot read \(path): \(String(cString: strerror(errno)))")
    }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = fread(&buffer, 1, buffer.count, file)
        if count == 0 { break }
        bytes += buffer[0..<count]
        guard bytes.count <= limit else { throw CommandFailure(status: Status.usage, "\(path) is larger than \(limit) bytes") }
    }
    if ferror(file) != 0 { throw CommandFailure(status: Status.io, "cannot read \(path): \(String(cString: strerror(errno)))") }
    return bytes
}

/// Parses an ISO 8601 date or time option.
func parseTime(_ text: String?, option: String) throws -> Int64? {
    guard let text else { return nil }
    guard let ms = Timestamp.parse(text) else {
        throw CommandFailure(status: Status.usage, "\(option) \"\(text)\" is not an ISO 8601 date or time (e.g. 2027-01-31 or 2027-01-31T12:00:00Z)")
    }
    return ms
}

/// Writes `text` to `path` (replacing it), durably.
func writeTextFile(_ text: String, to path: String) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw CommandFailure(status: Status.io, "cannot write \(path): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    let bytes = Array(text.utf8)
    guard bytes.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == bytes.count, fsync(fd) == 0 else {
        throw CommandFailure(status: Status.io, "cannot write \(path): \(String(cString: strerror(errno)))")
    }
}
