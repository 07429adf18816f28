//! Background work that must not slow the caller down: a thread that builds tables ahead of
//! need (`Engine::prepare`) asks to run only when a CPU would otherwise be idle.
//!
//! On a machine with a core to spare it runs at once; on a busy one (or a process pinned to
//! one CPU) it yields to the threads doing the caller's work instead of taking half of a CPU
//! from them. Whoever needs a table first still builds it (or waits for it) at full priority.

/// `Engine::prepare` and `prepare_idle`, for a thread of their own started after load. With
/// a CPU to spare, the tables a first call may soon need (~10 ms) are built at once and only
/// the rest waits for idle time; with one CPU (a container's quota, a pinned process) all of
/// it does, as a thread of normal priority would take half of that CPU from the caller's work.
pub fn prepare(engine: &crate::Engine) {
    if std::thread::available_parallelism().map_or(1, |n| n.get()) < 2 {
        lower_this_thread();
    }
    engine.prepare();
    lower_this_thread();
    engine.prepare_idle();
}

/// Lowers the calling thread to idle priority where the OS has one (Linux `SCHED_IDLE`); a
/// no-op elsewhere or if refused.
pub fn lower_this_thread() {
    #[cfg(target_os = "linux")]
    {
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: `sched_setscheduler` reads `param` (valid for the call) and changes only the
        // scheduling of the calling thread (pid 0); it has no other effect on memory.
        let _ = unsafe { libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) };
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_lowered_thread_still_runs() {
        let done = std::thread::spawn(|| {
            super::lower_this_thread();
            (0..1000u64).sum::<u64>()
        });
        assert_eq!(done.join().ok(), Some(499_500));
    }
}
