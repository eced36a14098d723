#if canImport(Glibc)
import Glibc
#endif

/// SIGINT, SIGTERM and SIGHUP end a read command wherever it waits (a FIFO's
/// open, a slow replay's sleep, `tail -f`): the default action, which a
/// blocked mask inherited from the parent would otherwise hold back.
public enum TerminationSignals {
    public static func unblock() {
        var signals = sigset_t()
        sigemptyset(&signals)
        for signal in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&signals, signal) }
        sigprocmask(SIG_UNBLOCK, &signals, nil)
    }
}
