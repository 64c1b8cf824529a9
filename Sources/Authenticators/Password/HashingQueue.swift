import Dispatch
import Foundation
import Synchronization

/// Where password hashes are computed: one serial queue per core, taken in turn, so a hash that takes
/// tens of milliseconds never holds one of Swift concurrency's threads (there are as many as cores,
/// and every request needs one). At most one hash per core runs at once — the others wait their turn
/// — which also bounds the memory scrypt takes (32 MiB each at the standard cost).
public enum HashingQueue {
    /// Runs `work` on one of the hashing queues and returns its result.
    public static func run<Value: Sendable, Failure: Error>(_ work: @escaping @Sendable () throws(Failure) -> Value) async throws(Failure) -> Value {
        let turn = UInt(bitPattern: next.wrappingAdd(1, ordering: .relaxed).oldValue)
        let queue = queues[Int(turn % UInt(queues.count))]
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<Value, Failure>, Never>) in
            queue.async {
                do throws(Failure) {
                    continuation.resume(returning: .success(try work()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }

    private static let queues = (0..<max(1, ProcessInfo.processInfo.activeProcessorCount)).map {
        DispatchQueue(label: "gatehouse.password-hashing.\($0)", qos: .userInitiated)
    }
    private static let next = Atomic<Int>(0)
}
