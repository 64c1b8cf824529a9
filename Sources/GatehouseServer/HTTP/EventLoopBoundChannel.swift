import HummingbirdCore
import Logging
import NIOCore

/// The server's connections, each handled by a task that prefers its connection's event loop (a task
/// executor, SE-0417): the requests of a connection are read, answered and written on the thread that
/// does its I/O, where the default executor would hand each request to a thread of the Swift
/// concurrency pool and each response back to the loop — two thread switches per request.
///
/// Work that must not hold up a loop runs elsewhere all the same: password hashing on
/// `HashingQueue`, RSA signatures on Swift concurrency's global pool (`SigningKeyStore.sign`), the
/// database's writes on its writer's queue.
struct EventLoopBoundChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value

    /// The channel that does the work (HTTP/1.1, or HTTP/1.1 over TLS).
    let base: Base

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        base.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await withTaskExecutorPreference(EventLoopExecutor(value.channel.eventLoop)) {
            await base.handle(value: value, logger: logger)
        }
    }
}

/// A task executor that runs every job on one event loop, after the work already queued there.
final class EventLoopExecutor: TaskExecutor {
    /// The loop the jobs run on.
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
