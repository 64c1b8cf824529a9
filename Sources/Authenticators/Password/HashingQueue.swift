import Foundation

/// Where password hashes are computed: a few threads of their own, one per core, so a hash that takes
/// tens of milliseconds never holds one of Swift concurrency's threads (there are as many as cores,
/// and every request needs one). Hashes beyond one per core wait their turn, which also bounds the
/// memory scrypt takes (32 MiB each at the standard cost).
public enum HashingQueue {
    /// Runs `work` on one of the hashing threads and returns its result.
    public static func run<Value: Sendable, Failure: Error>(_ work: @escaping @Sendable () throws(Failure) -> Value) async throws(Failure) -> Value {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<Value, Failure>, Never>) in
            queue.addOperation {
                do throws(Failure) {
                    continuation.resume(returning: .success(try work()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }

    /// OperationQueue is thread-safe; it is only ever given operations.
    nonisolated(unsafe) private static let queue: OperationQueue = {
        let queue = OperationQueue()
        queue.name = "gatehouse.password-hashing"
        queue.maxConcurrentOperationCount = max(1, ProcessInfo.processInfo.activeProcessorCount)
        queue.qualityOfService = .userInitiated
        return queue
    }()
}
