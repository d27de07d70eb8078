import Foundation
import Testing
@testable import TailKit
import TestSupport

/// TensorBoard's own reader (the Python package `make setup` installs) reads TailKit's event files:
/// scalars with their steps and the confusion-matrix image as a PNG.
@Suite struct TensorBoardTests {
    @Test func tensorboardReadsScalarsAndImages() throws {
        let temp = try TemporaryFolder("tailkit-interop")
        defer { temp.remove() }
        let dir = temp.path
        let writer = try TensorBoardWriter(directory: dir)
        for step in 1...3 { try writer.scalar("test/top1", 10.5 * Double(step), step: step) }
        let image = ConfusionImage([[3, 1], [0, 4]], cell: 4)
        try writer.image("test/confusion_matrix", width: image.width, height: image.height, rgb: image.rgb, step: 3)
        let json = try PythonTorchRunner.run("""
        import glob, io, json, zlib
        from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
        ea = EventAccumulator(glob.glob('\(dir)/events.out.tfevents.*')[0], size_guidance={'images': 0, 'scalars': 0})
        ea.Reload()
        img = ea.Images('test/confusion_matrix')[0]
        png = img.encoded_image_string
        print(json.dumps({'scalars': [[e.step, e.value] for e in ea.Scalars('test/top1')],
                          'size': [img.width, img.height], 'png': png[:8] == b'\\x89PNG\\r\\n\\x1a\\n'}))
        """)
        let scalars = try #require(json["scalars"] as? [[Double]])
        #expect(scalars == [[1, 10.5], [2, 21], [3, 31.5]])
        #expect(json["size"] as? [Int] == [8, 8])
        #expect(json["png"] as? Bool == true)
    }
}
