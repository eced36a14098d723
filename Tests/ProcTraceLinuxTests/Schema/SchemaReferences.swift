import Foundation

/// Where the published references are kept (Tests/Fixtures/schemas, copied
/// as their SOURCE files say).
enum SchemaReferenceFiles {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/schemas")

    static func json(_ path: String) throws -> [String: Any] {
        let data = try Data(contentsOf: root.appendingPathComponent(path))
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    /// What kind of JSON value it is, telling booleans, integers and other numbers apart.
    static func kind(of value: Any) -> String {
        if value is String { return "string" }
        if value is [Any] { return "array" }
        if value is [String: Any] { return "object" }
        if let number = value as? NSNumber {
            switch String(cString: number.objCType) {
            case "c": return "boolean"
            case "d", "f": return "float"
            default: return "integer"
            }
        }
        return "null"
    }

    static func isRFC3339(_ value: Any) -> Bool {
        guard let text = value as? String else { return false }
        return text.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$"#, options: .regularExpression) != nil
    }
}

/// ECS's field reference (fields.csv): each field's name and type. An
/// emitted field must be one of them, with a value of a compatible JSON
/// type; `proctrace.*` is the extension place (custom fields, as ECS advises,
/// under a name of our own).
struct ECSReference {
    let types: [String: String]

    init() throws {
        let text = try String(contentsOf: SchemaReferenceFiles.root.appendingPathComponent("ecs/fields.csv"), encoding: .utf8)
        var types: [String: String] = [:]
        for line in text.split(separator: "\n").dropFirst() {
            // ECS_Version,Indexed,Field_Set,Field,Type,…: the first five columns are never quoted.
            let columns = line.split(separator: ",", maxSplits: 5, omittingEmptySubsequences: false)
            guard columns.count > 4 else { continue }
            types[String(columns[3])] = String(columns[4])
        }
        self.types = types
    }

    func problems(in document: [String: Any]) -> [String] {
        var problems: [String] = []
        check(document, prefix: "", into: &problems)
        return problems
    }

    private func check(_ object: [String: Any], prefix: String, into problems: inout [String]) {
        for (key, value) in object {
            let path = prefix + key
            if path.hasPrefix("proctrace.") { continue }
            guard let type = types[path] else {
                if let nested = value as? [String: Any] {
                    check(nested, prefix: path + ".", into: &problems)
                } else {
                    problems.append("\(path) is not an ECS field")
                }
                continue
            }
            let values = value as? [Any] ?? [value]
            for element in values where !compatible(element, type) {
                problems.append("\(path): \(SchemaReferenceFiles.kind(of: element)) \(element) is not an ECS \(type)")
            }
        }
    }

    private func compatible(_ value: Any, _ type: String) -> Bool {
        let kind = SchemaReferenceFiles.kind(of: value)
        switch type {
        case "keyword", "constant_keyword", "wildcard", "match_only_text", "text", "ip", "version": return kind == "string"
        case "long", "integer", "short", "byte", "unsigned_long": return kind == "integer"
        case "float", "double", "scaled_float", "half_float": return kind == "integer" || kind == "float"
        case "boolean": return kind == "boolean"
        case "date": return SchemaReferenceFiles.isRFC3339(value)
        case "object", "flattened", "nested": return kind == "object"
        default: return false
        }
    }
}

/// OCSF's schema as its repository defines it: classes extend each other
/// (process_activity → system → base_event), objects too (process →
/// process_entity → _entity), attributes take their type from the
/// dictionary unless the class or object says otherwise, profiles add
/// attributes when an event names them in `metadata.profiles`.
struct OCSFReference {
    typealias Attributes = [String: [String: Any]]
    private let dictionary: Attributes
    private let scalarTypes: Attributes
    private let categories: Attributes

    init() throws {
        let dictionary = try SchemaReferenceFiles.json("ocsf/dictionary.json")
        self.dictionary = dictionary["attributes"] as? Attributes ?? [:]
        scalarTypes = (dictionary["types"] as? [String: Any])?["attributes"] as? Attributes ?? [:]
        categories = try SchemaReferenceFiles.json("ocsf/categories.json")["attributes"] as? Attributes ?? [:]
    }

    /// A class's or object's attributes, its ancestors' first.
    private func attributes(of file: String, profiles: Set<String>, directory: String) throws -> (Attributes, [String: Any]) {
        let definition = try SchemaReferenceFiles.json(file)
        var merged: Attributes = [:]
        if let parent = definition["extends"] as? String, parent != "object" {
            let parentFile = directory == "objects" ? "ocsf/objects/\(parent).json"
                : parent == "base_event" ? "ocsf/events/base_event.json" : "ocsf/events/system/\(parent).json"
            merged = try attributes(of: parentFile, profiles: profiles, directory: directory).0
        }
        let own = definition["attributes"] as? [String: Any] ?? [:]
        for include in own["$include"] as? [String] ?? [] {
            let profile = try SchemaReferenceFiles.json("ocsf/" + include)
            guard profiles.contains(profile["name"] as? String ?? "") else { continue }
            merge(profile["attributes"] as? Attributes ?? [:], into: &merged)
        }
        merge(own.filter { $0.key != "$include" }.compactMapValues { $0 as? [String: Any] }, into: &merged)
        return (merged, definition)
    }

    /// A later definition overrides an earlier one key by key; enum values add up
    /// (the dictionary's 0 Unknown and 99 Other stay valid wherever a class lists its own).
    private func merge(_ attributes: Attributes, into merged: inout Attributes) {
        for (name, definition) in attributes {
            let earlier = merged[name]?["enum"] as? [String: Any]
            merged[name, default: [:]].merge(definition) { $1 }
            if let earlier, let later = definition["enum"] as? [String: Any] {
                merged[name]?["enum"] = earlier.merging(later) { $1 }
            }
        }
    }

    private func objectAttributes(_ name: String, profiles: Set<String>) throws -> Attributes {
        var (attributes, _) = try self.attributes(of: "ocsf/objects/\(name).json", profiles: profiles, directory: "objects")
        if name == "process", profiles.contains("linux/linux_users") {
            let linux = try SchemaReferenceFiles.json("ocsf/extensions/linux/profiles/linux_users.json")
            merge(linux["attributes"] as? Attributes ?? [:], into: &attributes)
        }
        return attributes
    }

    /// What is wrong with one emitted event (empty: valid).
    func problems(in event: [String: Any]) throws -> [String] {
        let metadata = event["metadata"] as? [String: Any] ?? [:]
        let profiles = Set(metadata["profiles"] as? [String] ?? [])
        let classUID = event["class_uid"] as? Int ?? -1
        let file = classUID == 1007 ? "ocsf/events/system/process_activity.json" : "ocsf/events/base_event.json"
        let (attributes, definition) = try self.attributes(of: file, profiles: profiles, directory: "events")
        var problems: [String] = []
        let category = classUID == 1007 ? (try SchemaReferenceFiles.json("ocsf/events/system/system.json")["category"] as? String) : "other"
        let categoryUID = categories[category ?? ""]?["uid"] as? Int ?? 0
        let expectedClass = classUID == 1007 ? categoryUID * 1000 + (definition["uid"] as? Int ?? -1) : 0
        if classUID != expectedClass { problems.append("class_uid \(classUID) is not \(expectedClass)") }
        if event["category_uid"] as? Int != categoryUID { problems.append("category_uid is not \(categoryUID)") }
        if let activity = event["activity_id"] as? Int, event["type_uid"] as? Int != classUID * 100 + activity {
            problems.append("type_uid is not class_uid * 100 + activity_id")
        }
        try check(event, against: attributes, at: "", profiles: profiles, into: &problems)
        return problems
    }

    private func check(_ object: [String: Any], against attributes: Attributes, at path: String, profiles: Set<String>,
                       into problems: inout [String]) throws {
        for (name, definition) in attributes where definition["requirement"] as? String == "required" && object[name] == nil {
            problems.append("\(path)\(name) is required")
        }
        for (name, value) in object {
            let here = path + name
            if name.hasSuffix("_dt"), profiles.contains("datetime"), let base = attributes[String(name.dropLast(3))],
               resolvedType(of: String(name.dropLast(3)), base) == "timestamp_t" {
                if !SchemaReferenceFiles.isRFC3339(value) { problems.append("\(here) is not an RFC 3339 datetime_t") }
                continue
            }
            guard let local = attributes[name] else {
                problems.append("\(here) is not an attribute here")
                continue
            }
            let global = dictionary[name] ?? [:]
            let type = resolvedType(of: name, local)
            let isArray = local["is_array"] as? Bool ?? global["is_array"] as? Bool ?? false
            // The class's own uids are checked above (the compiled schema sets these enums per class).
            let own = ["class_uid", "category_uid", "type_uid"].contains(here)
            let enumeration = own ? nil : (global["enum"] as? [String: Any] ?? [:]).merging(local["enum"] as? [String: Any] ?? [:]) { $1 }
            let hasEnumeration = !(enumeration?.isEmpty ?? true)
            if isArray != (value is [Any]) {
                problems.append("\(here) must \(isArray ? "" : "not ")be an array")
                continue
            }
            for element in value as? [Any] ?? [value] {
                if hasEnumeration, let enumeration, !enumeration.keys.contains("\(element)") {
                    problems.append("\(here): \(element) is not one of its enum values")
                }
                try checkValue(element, type: type, at: here, profiles: profiles, into: &problems)
            }
        }
    }

    private func resolvedType(of name: String, _ local: [String: Any]) -> String {
        local["type"] as? String ?? dictionary[name]?["type"] as? String ?? "?"
    }

    private func checkValue(_ value: Any, type: String, at path: String, profiles: Set<String>, into problems: inout [String]) throws {
        let kind = SchemaReferenceFiles.kind(of: value)
        if type == "object" || type == "json_t" {
            return  // free-form (`unmapped`)
        }
        guard type.hasSuffix("_t") else {
            guard let nested = value as? [String: Any] else {
                problems.append("\(path): \(kind) is not a \(type) object")
                return
            }
            try check(nested, against: objectAttributes(type, profiles: profiles), at: path + ".", profiles: profiles, into: &problems)
            return
        }
        var base = type
        while let next = scalarTypes[base]?["type"] as? String { base = next }
        let fits = switch base {
        case "string_t": kind == "string" && (type != "datetime_t" || SchemaReferenceFiles.isRFC3339(value))
        case "integer_t", "long_t": kind == "integer"
        case "float_t": kind == "integer" || kind == "float"
        case "boolean_t": kind == "boolean"
        default: false
        }
        if !fits { problems.append("\(path): \(kind) \(value) is not a \(type)") }
    }
}
