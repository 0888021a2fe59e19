import LedgerCrypto
import LedgerFormat
import LedgerStore
#if canImport(Glibc)
import Glibc
#endif

/// Where signed checkpoints are kept: `DIR/checkpoint` (the latest note) and `DIR/checkpoints.log` (every
/// checkpoint: one line `size base64(note)`).
public enum CheckpointFiles {
    public static func latestPath(in layout: StoreLayout) -> String { layout.directory + "/checkpoint" }
    public static func historyPath(in layout: StoreLayout) -> String { layout.directory + "/checkpoints.log" }

    static func store(_ note: String, size: UInt64, in layout: StoreLayout) throws {
        try Files.writeAtomically(latestPath(in: layout), Array(note.utf8), sync: false)
        let line = Array("\(size) \(Base64.encode(Array(note.utf8)))\n".utf8)
        let fd = open(historyPath(in: layout), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StoreIOError("open", path: historyPath(in: layout)) }
        defer { close(fd) }
        guard line.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == line.count else {
            throw StoreIOError("write", path: historyPath(in: layout))
        }
    }

    /// The latest checkpoint note, if any.
    public static func latest(in layout: StoreLayout) throws -> String? {
        guard access(latestPath(in: layout), F_OK) == 0 else { return nil }
        return try readText(latestPath(in: layout))
    }

}

/// Reads a small text file (up to 16 MiB).
public func readText(_ path: String) throws -> String {
    String(decoding: try Files.read(path, limit: 16 << 20), as: UTF8.self)
}

/// Removes a directory tree (files and subdirectories); a missing path is fine.
public func removeTree(_ path: String) throws {
    guard let dir = opendir(path) else { return }
    while let entry = readdir(dir) {
        let name = withUnsafePointer(to: entry.pointee.d_name) { $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) } }
        if name == "." || name == ".." { continue }
        let child = path + "/" + name
        if unlink(child) != 0 { try removeTree(child) }
    }
    closedir(dir)
    guard rmdir(path) == 0 else { throw StoreIOError("remove", path: path) }
}
