@testable import ProcTraceCore
import PropertyBased
import Testing

@Suite struct PIDTableTests {
    private final class Box {
        let value: Int
        init(_ value: Int) { self.value = value }
    }

    /// Operations: key -40...40 (n / 4 - 40), and n % 4: 0–1 inserts, 2 removes, 3 reads. Keys from a small
    /// range, so runs of occupied slots form, wrap around the end, and removals shift entries back through them.
    private static let operations = Gen.int(in: 0...323).array(of: 0...600)

    @Test func randomInsertsAndRemovalsAgreeWithADictionary() async {
        await propertyCheck(count: 400, input: Self.operations) { operations in
            let table = PIDTable<Box>()
            var reference: [Int32: Int] = [:]
            for (step, operation) in operations.enumerated() {
                let key = Int32(operation / 4 - 40)
                switch operation % 4 {
                case 0, 1:
                    table[key] = Box(step)
                    reference[key] = step
                case 2:
                    table[key] = nil
                    reference[key] = nil
                default:
                    #expect(table[key]?.value == reference[key])
                }
            }
            #expect(table.count == reference.count)
            for key in Int32(-40)...40 { #expect(table[key]?.value == reference[key]) }
            #expect(table.values.map(\.value).sorted() == reference.values.sorted())
        }
    }

    @Test func anyPIDIsAKeyAndTheTableGrowsPastManyEntries() {
        let table = PIDTable<Box>()
        let keys: [Int32] = [0, -1, .min, .max] + (1...100_000).map { Int32($0 &* 7_919) }
        for (index, key) in keys.enumerated() { table[key] = Box(index) }
        #expect(table.count == keys.count)
        for (index, key) in keys.enumerated() where table[key]?.value != index {
            Issue.record("key \(key): \(String(describing: table[key]?.value)), not \(index)")
            break
        }
        for key in keys.dropFirst(4) { table[key] = nil }
        #expect(table.count == 4)
        #expect(table[0] != nil && table[-1] != nil && table[.min] != nil && table[.max] != nil)
        #expect(table[7_919] == nil)
    }

    @Test func removedValuesAreReleased() {
        weak var released: Box?
        let table = PIDTable<Box>()
        do {
            let box = Box(1)
            released = box
            table[5] = box
            table[6] = Box(2)
        }
        #expect(released != nil)
        table[5] = nil
        #expect(released == nil)
        #expect(table[6]?.value == 2)
    }
}
