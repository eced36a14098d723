/// The metrics server's HTTP: GET /metrics answers the Prometheus text,
/// anything else a short error; one request per connection.
enum MetricsResponse {
    /// Whether `request` holds a whole header (ends with an empty line).
    static func isComplete(_ request: [UInt8]) -> Bool {
        guard request.count >= 4 else { return false }
        for index in 0...(request.count - 4)
        where request[index] == 13 && request[index + 1] == 10 && request[index + 2] == 13 && request[index + 3] == 10 {
            return true
        }
        return false
    }

    static func answer(_ request: [UInt8], render: () -> String) -> [UInt8] {
        let line = request.prefix { $0 != 13 && $0 != 10 }.split(separator: 0x20)
        let (status, type, body): (String, String, String)
        if line.count >= 2, line[0].elementsEqual("GET".utf8) {
            let target = line[1].prefix { $0 != UInt8(ascii: "?") }
            if target.elementsEqual("/metrics".utf8) {
                (status, type, body) = ("200 OK", "text/plain; version=0.0.4; charset=utf-8", render())
            } else {
                (status, type, body) = ("404 Not Found", "text/plain; charset=utf-8", "proctrace serves /metrics\n")
            }
        } else {
            (status, type, body) = ("405 Method Not Allowed", "text/plain; charset=utf-8", "GET /metrics\n")
        }
        return Array("HTTP/1.1 \(status)\r\nContent-Type: \(type)\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)".utf8)
    }
}
