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
                outputs.append(logFile(FileSink.standardOutput(), name: "standard output", configuration,
                                       stop: stop, notify: notify))
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
                                notify: @escaping @Sendable (RecordNotice) -> Void) throws -> RecordOutput {
        let file = try FileSink.appending(to: path, mode: configuration.fileMode, keepWaiting: stop.keepWaiting)
        file.notices.forEach { notify(.output($0)) }
        return logFile(file, name: path.text, configuration, stop: stop, notify: notify)
    }

    /// A file or standard output: native lines written here, ECS or OCSF converted on a thread of its own.
    private static func logFile(_ file: FileSink, name: String, _ configuration: RecordConfiguration,
                                stop: RecordingStop, notify: @escaping @Sendable (RecordNotice) -> Void) -> RecordOutput {
        guard let format = configuration.formats[name], format != .proctrace else {
            return LogFileOutput(file, name: name, whileBlocked: stop.keepWritingWhileBlocked)
        }
        return ConvertedLogFileOutput(file, name: name, format: format, whileBlocked: stop.keepWritingWhileBlocked,
                                      notify: notify)
    }

    private static func rotatingLogFile(_ path: ExactPath, _ configuration: RecordConfiguration, stop: RecordingStop,
                                        notify: @escaping @Sendable (RecordNotice) -> Void) throws -> RecordOutput {
        let file = try RotatingFileSink(
            path: path, maximumBytes: configuration.rotateBytes ?? .max, keep: configuration.rotateKeep,
            compress: configuration.compressRotated, mode: configuration.fileMode, keepWaiting: stop.keepWaiting)
        file.notices.forEach { notify(.output($0)) }
        file.onNotice = { notify(.output($0)) }
        guard let format = configuration.formats[path.text], format != .proctrace else {
            return RotatingLogFileOutput(file)
        }
        return ConvertedLogFileOutput(file, format: format, notify: notify)
    }

    private init(_ outputs: [RecordOutput], notify: @escaping @Sendable (RecordNotice) -> Void) {
        self.outputs = outputs
        guard outputs.count != 1 else {
            // One output alone: the Recorder writes (and rotates) it directly.
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
