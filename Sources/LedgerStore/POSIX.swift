#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An I/O failure: the operation, the path and the system's reason.
public struct StoreIOError: Error, Sendable, Hashable, CustomStringConvertible {
    public var operation: String
    public var path: String
    public var reason: String
    public init(_ operation: String, path: String, errno code: Int32 = errno) {
        self.operation = operation
        self.path = path
        self.reason = String(cString: strerror(code))
    }
    public init(_ operation: String, path: String, reason: String) {
        self.operation = operation
        self.path = path
        self.reason = reason
    }
    public var description: String { "cannot \(operation) \(path): \(reason)" }
}

/// Thin, throwing wrappers over the POSIX calls the store needs.
enum POSIX {
    static func open(_ path: String, _ flags: Int32, _ mode: mode_t = 0o644) throws(StoreIOError) -> Int32 {
        let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
        guard fd >= 0 else { throw StoreIOError("open", path: path) }
        return fd
    }

    /// Writes all of `bytes` at the file's current offset, retrying short writes and EINTR.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(StoreIOError) {
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw StoreIOError("write", path: path)
            }
            offset += written
        }
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(StoreIOError) {
        let result: StoreIOError? = bytes.withUnsafeBytes { raw in
            do throws(StoreIOError) { try writeAll(fd, raw, path: path); return nil } catch { return error }
        }
        if let result { throw result }
    }

    /// Reads up to `count` bytes into `buffer` at `offset`; returns how many were read (0 at end of file).
    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, path: String) throws(StoreIOError) -> Int {
        while true {
            let count = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw StoreIOError("read", path: path)
            }
            return count
        }
    }

    static func readFile(_ path: String, limit: Int = Int.max) throws(StoreIOError) -> [UInt8] {
        let fd = try open(path, O_RDONLY)
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let result: Result<Int, StoreIOError> = chunk.withUnsafeMutableBytes { raw in
                do throws(StoreIOError) { return .success(try read(fd, into: raw, path: path)) } catch { return .failure(error) }
            }
            let count = try result.get()
            if count == 0 { return out }
            out += chunk[0..<count]
            guard out.count <= limit else { throw StoreIOError("read", path: path, reason: "larger than \(limit) bytes") }
        }
    }

    static func fdatasync(_ fd: Int32, path: String) throws(StoreIOError) {
        #if canImport(Glibc)
        guard Glibc.fdatasync(fd) == 0 else { throw StoreIOError("sync", path: path) }
        #else
        guard fsync(fd) == 0 else { throw StoreIOError("sync", path: path) }
        #endif
    }

    static func fsync(_ fd: Int32, path: String) throws(StoreIOError) {
        guard Glibc.fsync(fd) == 0 else { throw StoreIOError("sync", path: path) }
    }

    /// Makes a directory entry change (create, rename) durable.
    static func syncDirectory(_ path: String) throws(StoreIOError) {
        let fd = try open(path, O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        try fsync(fd, path: path)
    }

    static func fileSize(_ fd: Int32, path: String) throws(StoreIOError) -> Int {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw StoreIOError("stat", path: path) }
        return Int(info.st_size)
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    static func makeDirectory(_ path: String) throws(StoreIOError) {
        if isDirectory(path) { return }
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else { throw StoreIOError("create directory", path: path) }
    }

    static func listDirectory(_ path: String) throws(StoreIOError) -> [String] {
        guard let dir = opendir(path) else { throw StoreIOError("list", path: path) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Writes `bytes` to `path` atomically: a temporary file, then rename.
    static func writeFileAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644, sync: Bool) throws(StoreIOError) {
        let temporary = path + ".tmp-\(getpid())"
        let fd = try open(temporary, O_WRONLY | O_CREAT | O_TRUNC, mode)
        do {
            try writeAll(fd, bytes, path: temporary)
            if sync { try fsync(fd, path: temporary) }
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let error = StoreIOError("rename into place", path: path)
            unlink(temporary)
            throw error
        }
    }
}

/// Whole-file reads and atomic replacement, for the small files around the log (checkpoints, reports).
public enum Files {
    /// The bytes of `path`; refuses a file larger than `limit`.
    public static func read(_ path: String, limit: Int = 16 << 20) throws(StoreIOError) -> [UInt8] {
        try POSIX.readFile(path, limit: limit)
    }

    /// Replaces `path` with `bytes` through a temporary file and a rename; with `sync`, durably.
    public static func writeAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644, sync: Bool) throws(StoreIOError) {
        try POSIX.writeFileAtomically(path, bytes, mode: mode, sync: sync)
    }
}
