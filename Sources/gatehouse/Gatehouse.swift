import ArgumentParser

/// The `gatehouse` command: every tool of the broker, one subcommand each.
@main
struct Gatehouse: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gatehouse",
        abstract: "B2B identity federation broker and authentication-flow orchestrator.",
        subcommands: [
            LoginCommand.self, FlowCommand.self, DiscoverCommand.self, ReplayCommand.self, ConfigCommand.self,
            PasswordCommand.self, TOTPCommand.self, ServeCommand.self, SAMLCommand.self, OIDCCommand.self,
        ])
}

/// Exit codes shared by the checking commands: 0 valid, 1 rejected, 2 usage or I/O error.
enum ExitStatus {
    static let rejected = ExitCode(1)
    static let usage = ExitCode(2)
}
