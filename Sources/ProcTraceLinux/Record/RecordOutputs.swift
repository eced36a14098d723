import ProcTraceCore

/// The outputs of one recording and the one sink the Recorder writes to:
/// the output itself when there is one, else a fan-out over them, which
/// keeps each one's failures apart.
final class RecordOutputs {
    let outputs: [RecordOutput]
    let sink: LogSink
    private let fanOut: FanOutSink?

    /// The outputs `configuration` asks for, in order: the log file (or
    /// standard output when nothing else is asked for), then the network
    /// ones. The one place an output is chosen.
    static func open(_ configuration: RecordConfiguration, stop: RecordingStop, stopDeadline: Deadline,
                     notify: @escaping @Sendable (RecordNotice) -> Void) throws(RecordFailure) -> RecordOutputs {
        var outputs: [RecordOutput] = []
        do {
            if let path = configuration.outputPath {
                outputs.append(try configuration.rotateBytes == nil
                    ? logFile(path, configuration, stop: stop, notify: notify)
                    : rotatingLogFile(path, configuration, stop: stop, notify: notify))
            } else if configuration.networkOutputs.isEmpty {
                outputs.append(LogFileOutput(FileSink.standardOutput(), name: "standard output",
                                             format: configuration.formats["standard output"],
                                             whileBlocked: stop.keepWritingWhileBlocked))
            }
        } catch {
            throw .openingLog(error)
        }
        do {
            for target in configuration.networkOutputs {
                let settings = NetworkOutput.Settings(
                    format: configuration.formats[target.description], tls: configuration.tls,
                    spoolDirectory: configuration.spoolDirectory, spoolBytes: configuration.spoolBytes,
                    memoryQueueBytes: configuration.memoryQueueBytes, stopDeadline: stopDeadline, notify: notify)
                outputs.append(try NetworkOutput(target, settings))
            }
        } catch {
            throw .openingNetworkOutput(error)
        }
        return RecordOutputs(outputs, notify: notify)
    }

    private static func logFile(_ path: ExactPath, _ configuration: RecordConfiguration, stop: RecordingStop,
                                notify: @Sendable (RecordNotice) -> Void) throws -> RecordOutput {
        let file = try FileSink.appending(to: path, mode: configuration.fileMode, keepWaiting: stop.keepWaiting)
        file.notices.forEach { notify(.output($0)) }
        return LogFileOutput(file, name: path.text, format: configuration.formats[path.text],
                             whileBlocked: stop.keepWritingWhileBlocked)
    }

    private static func rotatingLogFile(_ path: ExactPath, _ configuration: RecordConfiguration, stop: RecordingStop,
                                        notify: @escaping @Sendable (RecordNotice) -> Void) throws -> RecordOutput {
        let file = try RotatingFileSink(
            path: path, maximumBytes: configuration.rotateBytes ?? .max, keep: configuration.rotateKeep,
            compress: configuration.compressRotated, mode: configuration.fileMode, keepWaiting: stop.keepWaiting)
        file.notices.forEach { notify(.output($0)) }
        file.onNotice = { notify(.output($0)) }
        return RotatingLogFileOutput(file, format: configuration.formats[path.text])
    }

    private init(_ outputs: [RecordOutput], notify: @escaping @Sendable (RecordNotice) -> Void) {
        self.outputs = outputs
        guard outputs.count != 1 else {
            // A rotating file alone: the Recorder rotates it through its formatting sink, if any.
            sink = outputs[0].sink
            fanOut = nil
            return
        }
        let members = outputs.map { (name: $0.name, sink: $0.sink) }
        let fanOut = outputs.lazy.compactMap(\.rotating).first.map { RotatingFanOutSink(members, rotating: $0) }
            ?? FanOutSink(members)
        fanOut.onFirstFailure = { member, error in notify(.outputFailed(name: member.name, error)) }
        sink = fanOut
        self.fanOut = fanOut
    }

    /// The log file SIGHUP reopens, if there is one.
    var reopenable: ReopenableLog? { outputs.lazy.compactMap(\.reopenable).first }

    func start() { outputs.forEach { $0.start() } }
    func stop() { outputs.forEach { $0.stop() } }

    /// Each output's counters, by name, from what `recorder` handed on.
    func counters(_ recorder: Recorder) -> [(name: String, counters: OutputCounters)] {
        let handed = recorder.written + recorder.unwritten
        return outputs.indices.map { index in
            let failed = fanOut?.members[index].failed ?? recorder.unwritten
            return (outputs[index].name, outputs[index].counters(handed: handed, failed: failed))
        }
    }

    /// What each output lost or still holds, for the stop's report.
    func report(into outcome: inout RecordOutcome) {
        for (index, output) in outputs.enumerated() {
            output.report(failed: fanOut?.members[index].failed, into: &outcome)
        }
    }
}
