import Authenticators
import Foundation

/// Hands out the benchmark's users so that no TOTP code is ever presented twice.
///
/// The server accepts each code once per account and refuses any code at or before the last step it
/// accepted (docs/operations.md, "Limits"): a user can log in with TOTP once per 30-second step. The
/// pool takes users round-robin and gives out only one whose last code was for an earlier step; when
/// the next user is not free yet it waits for the next step and counts the wait, because a run that
/// waits measures the size of the pool, not the server. Logins by other processes are unknown to it,
/// so ``start()`` first waits for a fresh step.
actor UserPool {
    private let users: [LoadUser]
    private var lastStep: [Int64]
    private var next = 0
    private let totp = TOTPAuthenticator()
    /// How often a login had to wait for a user.
    private(set) var waits = 0

    init(_ users: [LoadUser]) {
        self.users = users
        lastStep = Array(repeating: -1, count: users.count)
    }

    /// Waits until a new TOTP step begins, so that no user's code of an earlier run can be the current one.
    func start() async throws {
        let period = Double(TOTPSettings.standard.period)
        let now = Date().timeIntervalSince1970
        let wait = period - now.truncatingRemainder(dividingBy: period) + 0.05
        print("waiting \(String(format: "%.1f", wait)) s for a fresh TOTP step (no code of an earlier run may be reused)")
        try await Task.sleep(for: .seconds(wait))
    }

    /// The next user free to log in, and its index for ``used(_:step:)``.
    func take() async throws -> (user: LoadUser, index: Int) {
        while true {
            let index = next
            let step = try totp.step(at: Date())
            if lastStep[index] < step {
                next = (next + 1) % users.count
                lastStep[index] = step
                return (users[index], index)
            }
            waits += 1
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Records the step of the code the user was just sent with.
    func used(_ index: Int, step: Int64) {
        lastStep[index] = max(lastStep[index], step)
    }
}
