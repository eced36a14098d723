/// Files in Tests/Fixtures, found from the calling test's own path.
public enum Fixtures {
    public static func path(_ name: String, file: String = #filePath) -> String {
        var prefix = Substring(file)
        while !prefix.isEmpty && !prefix.hasSuffix("/Tests/") { prefix.removeLast() }
        return prefix + "Fixtures/" + name
    }
}
