import Foundation
import Pickle

/// File access and error translation shared by the pickle-based dataset readers.
enum PickleFile {
    /// Reads a whole file straight into an array (no intermediate Data copy: pools can exceed 1 GB).
    static func readBytes(path: String) throws -> [UInt8] {
        guard let file = fopen(path, "rb") else { throw DataError.missingFile(path: path) }
        defer { fclose(file) }
        guard fseeko(file, 0, SEEK_END) == 0 else { throw DataError.undecodable(path: path, detail: "cannot seek") }
        let size = Int(ftello(file))
        guard size >= 0, fseeko(file, 0, SEEK_SET) == 0 else {
            throw DataError.undecodable(path: path, detail: "cannot determine the file size")
        }
        var failed = false
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            count = size == 0 ? 0 : fread(buffer.baseAddress, 1, size, file)
            if count != size { failed = true; count = 0 }
        }
        guard !failed else { throw DataError.truncated(path: path, detail: "read fewer than \(size) bytes") }
        return bytes
    }

    static func writeBytes(_ bytes: [UInt8], path: String) throws {
        guard let file = fopen(path, "wb") else { throw DataError.invalidArgument("\(path): cannot create file") }
        let written = bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, file) }
        let closed = fclose(file)
        guard written == bytes.count, closed == 0 else {
            throw DataError.invalidArgument("\(path): could not write all \(bytes.count) bytes")
        }
    }

    static func parse(_ bytes: [UInt8], name: String) throws -> PickleValue {
        do {
            return try PickleReader.read(bytes)
        } catch let error as PickleError {
            throw dataError(error, name: name)
        }
    }

    static func dataError(_ error: PickleError, name: String) -> DataError {
        switch error.kind {
        case .truncated: return .truncated(path: name, detail: error.description)
        case .malformed: return .undecodable(path: name, detail: error.description)
        case .unexpectedStructure: return .badHeader(path: name, detail: error.reason)
        }
    }

    /// The entry `key` of the top-level dict, or a DataError naming the file and the key.
    static func entry(_ root: PickleValue, _ key: String, name: String) throws -> PickleValue {
        guard root.dictEntries != nil else {
            throw DataError.badHeader(path: name, detail: "pickle holds a \(root.kindName), expected a dict")
        }
        guard let value = try optionalEntry(root, key, name: name) else {
            throw DataError.badHeader(path: name, detail: "no '\(key)' entry")
        }
        return value
    }

    /// The value under `key`, nil when absent. A key written twice is an error: Python keeps the
    /// last value and a first-match lookup the first, so the file means two different things.
    static func optionalEntry(_ root: PickleValue, _ key: String, name: String) throws -> PickleValue? {
        let matches = (root.dictEntries ?? []).filter { $0.key.text == key }
        guard matches.count <= 1 else {
            throw DataError.badHeader(path: name, detail: "'\(key)' appears \(matches.count) times in the dict")
        }
        return matches.first?.value
    }

    static func array(_ value: PickleValue, _ key: String, name: String) throws -> NumpyArray {
        do {
            return try NumpyArray(pickle: value)
        } catch let error as PickleError {
            throw DataError.badHeader(path: name, detail: "'\(key)': \(error.reason)")
        }
    }

    static func intList(_ value: PickleValue, _ key: String, name: String) throws -> [Int] {
        do {
            return try NumpyArray.intList(from: value)
        } catch let error as PickleError {
            throw DataError.badHeader(path: name, detail: "'\(key)': \(error.reason)")
        }
    }

    static func checkLabels(_ labels: [Int], count: Int, name: String) throws {
        for (i, label) in labels.enumerated() where label < 0 || label >= count {
            throw DataError.labelOutOfRange(path: name, index: i, label: label, validRange: "0..<\(count)")
        }
    }
}
