/// A terminal's name under /dev from its device number, as the kernel's
/// drivers name their devices (Documentation/admin-guide/devices.txt); the
/// table is in docs/events.md. A number no rule covers is named
/// `MAJOR:MINOR`, which can never be taken for a /dev name.
public enum TerminalName {
    /// nil for 0:0 (no controlling terminal).
    public static func name(of device: DeviceNumber) -> [UInt8]? {
        let major = device.major
        let minor = device.minor
        switch (major, minor) {
        case (0, 0):
            return nil
        case (136...143, _):
            return numbered("pts/", (major - 136) * 256 + minor)
        case (4, 0..<64):
            return numbered("tty", minor)
        case (4, _):
            return numbered("ttyS", minor - 64)
        case (5, 0):
            return Array("tty".utf8)
        case (5, 1):
            return Array("console".utf8)
        case (5, 2):
            return Array("ptmx".utf8)
        case (204, 64...):
            return numbered("ttyAMA", minor - 64)
        case (3, _):
            return numbered("ttyp", minor)
        default:
            return decimal(major) + [UInt8(ascii: ":")] + decimal(minor)
        }
    }

    /// From field 7 of /proc/PID/stat (`tty_nr`: the device number in dev_t's encoding).
    public static func name(ttyNumber: UInt32) -> [UInt8]? {
        name(of: DeviceNumber(userDev: UInt64(ttyNumber)))
    }

    private static func numbered(_ prefix: StaticString, _ number: UInt32) -> [UInt8] {
        Array(UnsafeRawBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount)) + decimal(number)
    }

    private static func decimal(_ value: UInt32) -> [UInt8] {
        if value == 0 { return [UInt8(ascii: "0")] }
        var digits: [UInt8] = []
        var rest = value
        while rest > 0 {
            digits.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        }
        return digits.reversed()
    }
}
