import Foundation

/// Writes TensorBoard event files (`events.out.tfevents.*`) that `tensorboard --logdir` reads:
/// TFRecord framing (length, masked CRC32C of the length, the Event protobuf, its masked CRC32C)
/// around hand-encoded `Event` messages with scalar and image summaries. Each record is flushed
/// at once so a live TensorBoard sees the run as it goes.
public final class TensorBoardWriter {
    public let path: String
    private let handle: FileHandle

    public init(directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let host = ProcessInfo.processInfo.hostName
        path = "\(directory)/events.out.tfevents.\(Int(Date().timeIntervalSince1970)).\(host).\(getpid())"
        guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
            throw TailKitError.unwritableOutput(path: path, problem: "cannot create the TensorBoard event file")
        }
        handle = h
        try writeEvent(step: 0) { $0.string(3, "brain.Event:2") }
    }

    deinit { try? handle.close() }

    public func scalar(_ tag: String, _ value: Double, step: Int) throws {
        try writeEvent(step: step) { event in
            event.message(5) { summary in
                summary.message(1) { v in
                    v.string(1, tag)
                    v.float(2, Float(value))
                }
            }
        }
    }

    /// An RGB image (HWC bytes), stored as PNG.
    public func image(_ tag: String, width: Int, height: Int, rgb: [UInt8], step: Int) throws {
        let png = PNGEncoder.encodeRGB(width: width, height: height, pixels: rgb)
        try writeEvent(step: step) { event in
            event.message(5) { summary in
                summary.message(1) { v in
                    v.string(1, tag)
                    v.message(4) { img in
                        img.int64(1, Int64(height))
                        img.int64(2, Int64(width))
                        img.int64(3, 3)
                        img.data(4, png)
                    }
                }
            }
        }
    }

    private func writeEvent(step: Int, _ body: (inout ProtobufWriter) -> Void) throws {
        var event = ProtobufWriter()
        event.double(1, Date().timeIntervalSince1970)
        event.int64(2, Int64(step))
        body(&event)
        try handle.write(contentsOf: Self.record(event.bytes))
    }

    /// One TFRecord: little-endian length, masked CRC of those 8 bytes, data, masked CRC of data.
    static func record(_ data: [UInt8]) -> Data {
        var out = [UInt8]()
        let length = UInt64(data.count)
        let lengthBytes = (0..<8).map { UInt8((length >> (8 * UInt64($0))) & 0xFF) }
        out += lengthBytes
        out += le32(CRC32C.masked(lengthBytes))
        out += data
        out += le32(CRC32C.masked(data))
        return Data(out)
    }

    private static func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * UInt32($0))) & 0xFF) } }
}
