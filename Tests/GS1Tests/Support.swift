import GS1
import Testing

/// A fixed "today" so expiry tests do not depend on the clock.
let reference = try! CalendarDate(year: 2026, month: 6, day: 1)

/// The `GS1Error` `body` throws, or nil when it returns (any other error is recorded as an issue).
func gs1Error<T>(_ body: () throws -> T) -> GS1Error? {
    do {
        _ = try body()
        return nil
    } catch let error as GS1Error {
        return error
    } catch {
        Issue.record("not a GS1Error: \(error)")
        return nil
    }
}

/// The group separator (FNC1 as a scanner transmits it).
let GS = "\u{1D}"

/// The GS1 AI encodable character set 82, in code order.
let characterSet82 = #"!"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"#
