import NIOCore

/// A task executor (SE-0417) that runs jobs on one NIO event loop.
///
/// A load client's task prefers the event loop of its connection, so its code runs on the thread that
/// does its connection's I/O: a request is written and its response resumes the task without a
/// thread switch, where the default executor would wake one thread for each direction.
final class EventLoopTaskExecutor: TaskExecutor {
    /// The loop the jobs run on.
    let eventLoop: any EventLoop

    /// An executor that runs every job on `eventLoop`.
    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Runs `job` on the event loop, after the work already queued there.
    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
