public enum ProcTraceVersion {
    public static let current = "0.1.0"
}
