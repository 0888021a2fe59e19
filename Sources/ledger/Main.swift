import ArgumentParser
import LedgerCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `ledger`: the custody ledger's command line. Each subcommand parses, calls the library, prints.
@main
struct LedgerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "A signed, hash-chained DSCSA chain-of-custody ledger.",
        discussion: """
        Data lives in ./ledger-data unless --data DIR or LEDGER_DATA says otherwise.

        Exit codes: 0 success; 1 integrity failure (verify findings, a damaged ledger); \
        2 usage error or refused input (nothing is written); 3 I/O error or ledger locked.

        Example:
          ledger init && ledger verify
        """,
        subcommands: [
            InitCommand.self, KeygenCommand.self, PartnerCommand.self, AppendCommand.self,
            ShowCommand.self, LogCommand.self, VerifyCommand.self, CustodyCommand.self, LotCommand.self,
            HoldingsCommand.self, IndexCommand.self, IdCommand.self, DemoCommand.self, OperatorKeyCommand.self,
            CheckpointCommand.self, ProveCommand.self, ReceiptCommand.self, VerifyReceiptCommand.self,
            ImportCommand.self, ExportCommand.self, ReportCommand.self, VerifyReportCommand.self,
        ]
    )

    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
            Glibc.exit(0)
        } catch let code as ExitCode {
            Glibc.exit(code.rawValue)
        } catch let failure as CommandFailure {
            failure.print()
            Glibc.exit(failure.status)
        } catch {
            let code = exitCode(for: error)
            if code == .success || error is CleanExit {
                exit(withError: error)
            }
            if let failure = CommandFailure(libraryError: error) {
                failure.print()
                Glibc.exit(failure.status)
            }
            let message = fullMessage(for: error)
            FileHandleOutput.standardError(message)
            Glibc.exit(2)
        }
    }
}
