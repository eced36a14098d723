extension StringProtocol {
    /// Without the spaces at either end (a list item in a flag or the
    /// configuration file, a value in a /proc file).
    public var trimmingSpaces: SubSequence {
        var text = self[...]
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return text
    }
}
