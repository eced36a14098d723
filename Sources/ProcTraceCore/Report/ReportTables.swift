/// The strings, credentials and sessions the report's columns refer to by
/// index, shared by the records (encoded while the recording is read) and
/// the rows (encoded at the end).
final class ReportTables {
    let strings = StringTable()
    let credentials = IndexTable<Credentials>()
    let sessions = IndexTable<SessionIDs>()
}
