//! Stopping on a signal: SIGINT (Ctrl-C), SIGTERM (a CI job cancelled, `kill`, systemd) and
//! SIGHUP (a closed terminal) are handled alike. An apply says what is true and ends, which
//! drops its connection and with it the open transaction, which the server rolls back; a run
//! on several targets stops starting targets and passes SIGTERM on to each running one.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// What an interrupted apply says on stderr, by whether COMMIT had been sent. A run on several
/// targets reads them back from each target's messages.
pub(super) const ROLLED_BACK: &str = "interrupted: rolled back, nothing changed";
pub(super) const MAY_HAVE_LANDED: &str = "interrupted while the COMMIT was on its way: the change may have landed; `mlgrant history` or `mlgrant plan` says whether it did";

/// Calls `then` with the signal's name on the first of SIGINT, SIGTERM and SIGHUP, on a thread
/// of its own. Returns once the handlers are installed (or after 2 s if they cannot be: then
/// the signals keep their default, which ends the process).
pub(super) fn on_signal(then: impl FnOnce(&'static str) + Send + 'static) {
    let mut then = Some(then);
    on_signals(move |name| {
        if let Some(then) = then.take() {
            then(name);
        }
    });
}

/// Calls `each` with the signal's name on every SIGINT, SIGTERM and SIGHUP, on a thread of its
/// own; returns as [`on_signal`] does.
pub(super) fn on_signals(mut each: impl FnMut(&'static str) + Send + 'static) {
    let (ready, armed) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            let _ = ready.send(());
            return;
        };
        rt.block_on(async {
            use tokio::signal::unix::{SignalKind, signal};
            let (Ok(mut term), Ok(mut hup), Ok(mut int)) = (
                signal(SignalKind::terminate()),
                signal(SignalKind::hangup()),
                signal(SignalKind::interrupt()),
            ) else {
                let _ = ready.send(());
                return;
            };
            let _ = ready.send(());
            loop {
                let name = tokio::select! {
                    _ = int.recv() => "SIGINT",
                    _ = term.recv() => "SIGTERM",
                    _ = hup.recv() => "SIGHUP",
                };
                each(name);
            }
        });
    });
    let _ = armed.recv_timeout(std::time::Duration::from_secs(2));
}

/// For an apply: on a signal, what is true ("rolled back, nothing changed", or, once COMMIT was
/// sent, that the change may have landed), then exit 1.
pub(super) fn apply_ends_on_signal(committing: Arc<AtomicBool>) {
    on_signal(move |_| {
        let message = if committing.load(Ordering::SeqCst) {
            MAY_HAVE_LANDED
        } else {
            ROLLED_BACK
        };
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "{message}");
        std::process::exit(1);
    });
}
