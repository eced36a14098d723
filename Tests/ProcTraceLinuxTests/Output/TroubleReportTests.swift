@testable import ProcTraceLinux
import Testing

/// What a network output says about a receiver in trouble, and how fast it
/// tries again: a flapping receiver is said once, then summed up once an
/// interval; the waits grow (with jitter) until a connection proves itself.
struct TroubleReportTests {
    static let second: Int64 = 1_000_000_000

    @Test func aFlappingReceiverIsSaidOnceThenSummedUpOnceAnInterval() {
        var report = TroubleReport(name: "syslog+tcp://relay:514")
        let first = report.failed("syslog+tcp://relay:514: the receiver closed the connection", connecting: false, now: 0)
        #expect(first == "syslog+tcp://relay:514: the receiver closed the connection; records wait and are sent when it is back")
        var said: [String] = []
        for tick in 1...1000 {
            let now = Int64(tick) * Self.second / 10
            if let line = report.failed("syslog+tcp://relay:514: connect: refused", connecting: tick % 2 == 0, now: now) {
                said.append(line)
            }
        }
        // 100 s of failures: one summary at 60 s, with what happened since the first line.
        #expect(said == ["syslog+tcp://relay:514: still not delivering: 300 failed connection attempts and 300 connections "
            + "broken by the receiver in the last 60 s (last: connect: refused); records wait"])
        #expect(report.unsaid(now: 100 * Self.second)?.contains("200 failed connection attempts and 200 connections") == true)
        #expect(report.delivered(now: 101 * Self.second) == "syslog+tcp://relay:514: delivering again after 101 s; sending what waited")
        #expect(report.delivered(now: 102 * Self.second) == nil)
        #expect(report.unsaid(now: 103 * Self.second) == nil)
    }

    @Test func reconnectWaitsDoubleWithJitterUntilReset() {
        var backoff = ReconnectBackoff()
        var step = ReconnectBackoff.first
        for _ in 0..<12 {
            let wait = backoff.nextWait()
            #expect(wait >= step / 2 && wait <= step, "\(wait) for a step of \(step)")
            step = min(step * 2, ReconnectBackoff.longest)
        }
        #expect(backoff.step == ReconnectBackoff.longest)
        backoff.reset()
        #expect(backoff.nextWait() <= ReconnectBackoff.first)
    }
}
