import ProcTraceCore
import ProcTraceTestSupport
import Testing

@Suite struct ArgumentRedactorTests {
    private func redacted(_ patterns: [String], _ argv: [String]) throws -> [String]? {
        try ArgumentRedactor(patterns: patterns).redact(ArgumentVector(strings: argv))?.arguments
            .map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func optionNameMasksTheNextArgumentAndTheValueAfterEquals() throws {
        #expect(try redacted(["--password"], ["mysql", "--password", "hunter2", "--password=x", "--passwordless", "db"])
            == ["mysql", "--password", "<redacted>", "--password=<redacted>", "--passwordless", "db"])
        // A trailing '=' in the pattern means the same option.
        #expect(try redacted(["--token="], ["curl", "--token=abc"]) == ["curl", "--token=<redacted>"])
    }

    @Test func shortOptionAlsoMasksAGluedValue() throws {
        #expect(try redacted(["-p"], ["mysql", "-psecret", "-p", "22", "-pq"]) == ["mysql", "-p<redacted>", "-p", "<redacted>", "-p<redacted>"])
        // A long option does not mask what merely starts with it.
        #expect(try redacted(["--pass"], ["x", "--password"]) == nil)
    }

    @Test func globMasksWholeMatchingArguments() throws {
        #expect(try redacted(["AKIA????", "*secret*"], ["aws", "AKIA1234", "AKIA12345", "my-secret-thing", "public"])
            == ["aws", "<redacted>", "AKIA12345", "<redacted>", "public"])
    }

    @Test func programNameAndUnmatchedArgumentsAreLeftAlone() throws {
        #expect(try redacted(["*"], ["only-program"]) == nil)
        #expect(try redacted(["--password"], ["ls", "-l"]) == nil)
        #expect(try redacted(["--password"], ["x", "--password"]) == nil, "no value to mask")
    }

    @Test func aTruncatedLastArgumentStaysUnterminated() throws {
        let redactor = try ArgumentRedactor(patterns: ["--password"])
        let argv = ArgumentVector(bytes: Array("prog\0--password=hun".utf8))
        let result = try #require(redactor.redact(argv))
        #expect(result.bytes == Array("prog\0--password=<redacted>".utf8))
    }

    @Test func appliesToExecAndExistsOnly() throws {
        let redactor = try ArgumentRedactor(patterns: ["--password"])
        var exec = EventSamples.process(.exec, pid: 5, ppid: 1)
        exec.argv = ArgumentVector(strings: ["x", "--password", "p"])
        redactor.apply(to: &exec)
        #expect(exec.argv?.arguments.last == Array("<redacted>".utf8))
        var fork = EventSamples.process(.fork, pid: 5, ppid: 1)
        fork.argv = ArgumentVector(strings: ["x", "--password", "p"])
        redactor.apply(to: &fork)
        #expect(fork.argv?.arguments.last == Array("p".utf8))
    }

    @Test func emptyPatternIsRejected() throws {
        #expect(throws: ArgumentRedactor.PatternError.empty) { try ArgumentRedactor(patterns: ["="]) }
        #expect(try ArgumentRedactor(patterns: []).isEmpty)
    }

    @Test func globEdgeCases() {
        #expect(GlobPattern("*").matches(Array("".utf8)))
        #expect(GlobPattern("a*b*c").matches(Array("aXXbYYbc".utf8)))
        #expect(!GlobPattern("a*b*c").matches(Array("aXXbYY".utf8)))
        #expect(!GlobPattern("?").matches(Array("".utf8)))
        #expect(GlobPattern("**x").matches(Array("yyx".utf8)))
    }
}
