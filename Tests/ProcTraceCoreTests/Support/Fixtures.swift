/// Files in Tests/Fixtures.
enum Fixtures {
    static func path(_ name: String, file: String = #filePath) -> String {
        let testsDirectory = file.components(separatedByLast: "/ProcTraceCoreTests/")
        return testsDirectory + "/Fixtures/" + name
    }
}

extension String {
    fileprivate func components(separatedByLast separator: String) -> String {
        var prefix = self
        while !prefix.isEmpty && !prefix.hasSuffix(separator) { prefix.removeLast() }
        return String(prefix.dropLast(separator.count))
    }
}
