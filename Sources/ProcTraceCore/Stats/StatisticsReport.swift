/// What `proctrace stats` found in a log; `LogStatistics` builds it.
public struct StatisticsReport {
    public struct Program: Equatable {
        public var name: [UInt8]
        public var count: UInt64
    }

    /// One binary by its contents (exe_sha256): how often it was exec'd, and the path it first ran from.
    public struct Binary: Equatable {
        public var sha256: SHA256Digest
        public var exe: [UInt8]
        public var count: UInt64
    }

    public struct Lifetime: Equatable {
        public var pid: Int32
        public var comm: Comm
        public var durationNs: UInt64
        /// When it exited.
        public var time: Int64
    }

    public struct Failure: Equatable {
        public var comm: Comm
        public var status: String
        public var count: UInt64
    }

    public struct Zombie: Equatable {
        public var pid: Int32
        public var comm: Comm
        public var parentPid: Int32
        public var parentComm: Comm?
        public var lingeredNs: UInt64
        /// Still a zombie when the log ends (lingered at least this long).
        public var neverReaped: Bool
    }

    public struct Adopter: Equatable {
        public var pid: Int32
        public var comm: Comm?
        public var orphans: UInt64
    }

    public struct Orphan: Equatable {
        public var pid: Int32
        public var comm: Comm
        public var oldParent: Int32
        public var newParent: Int32
        public var time: Int64
    }

    public var firstTime: Int64?
    public var lastTime: Int64?
    public var records: UInt64 = 0
    /// Indexed by EventKind.rawValue.
    public var countsByKind: [UInt64] = Array(repeating: 0, count: EventKind.allCases.count)
    public var forksOverTime = RateHistogram()
    public var mostExecuted: [Program] = []
    /// Most exec'd binaries by exe_sha256 (two paths of one file are one binary; a rewritten file is another).
    public var topBinaries: [Binary] = []
    public var longestLived: [Lifetime] = []
    public var shortestLived: [Lifetime] = []
    public var failures: [Failure] = []
    public var zombieThresholdNs: UInt64 = 0
    public var lingeringZombieCount: UInt64 = 0
    public var lingeringZombies: [Zombie] = []
    public var orphanCount: UInt64 = 0
    public var adopters: [Adopter] = []
    public var firstOrphans: [Orphan] = []
    /// `lost` records, the records they say were lost, and those that did not say how many.
    public var lostRecords: UInt64 = 0
    public var lostTotal: UInt64 = 0
    public var lostUnknownCount: UInt64 = 0
    /// What `stop` records reported.
    public var stopLost: UInt64 = 0
    public var stopUnwritten: UInt64 = 0
    /// Lines `--skip-invalid` passed over.
    public var invalidLines: Int = 0
    /// Some counts covered too many distinct names to keep and are approximate.
    public var isApproximate = false

    public init() {}

    public func count(_ kind: EventKind) -> UInt64 { countsByKind[Int(kind.rawValue)] }

    public var durationNs: UInt64 {
        guard let firstTime, let lastTime else { return 0 }
        return TimeArithmetic.elapsed(from: firstTime, to: lastTime)
    }
}
