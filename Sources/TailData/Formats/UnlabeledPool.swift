import Pickle

/// The reference's unlabeled pool file (`ti_80M_selected.pickle`): a pickled dict with
/// `data`, uint8 [N, H, W, C] images in HWC order, and `extrapolated_targets`, the selection
/// label of every image (an int list or array). Read into an `ImageSet` whose labels are the
/// selection labels.
public enum UnlabeledPool {
    public static func read(path: String, classNames: [String]) throws -> ImageSet {
        try decode(try PickleFile.readBytes(path: path), name: path, classNames: classNames)
    }

    public static func decode(_ bytes: [UInt8], name: String, classNames: [String]) throws -> ImageSet {
        let root = try PickleFile.parse(bytes, name: name)
        let array = try PickleFile.array(try PickleFile.entry(root, "data", name: name), "data", name: name)
        let targets = try PickleFile.intList(try PickleFile.entry(root, "extrapolated_targets", name: name),
                                             "extrapolated_targets", name: name)
        guard array.descr == "|u1", !array.fortranOrder, array.shape.count == 4 else {
            throw DataError.badHeader(path: name, detail: "'data' is \(array.descr) \(array.shape), expected uint8 [N, H, W, C]")
        }
        // With no images, the other dimensions are unchecked by the data size: bound them so that
        // height x width x channels cannot overflow wherever the set is used.
        guard (1...65_536).contains(array.shape[1]), (1...65_536).contains(array.shape[2]), (1...4).contains(array.shape[3]) else {
            throw DataError.badHeader(path: name, detail: "'data' has images of \(array.shape[1])x\(array.shape[2])x\(array.shape[3]), "
                + "expected sides of 1...65536 and 1...4 channels")
        }
        guard targets.count == array.shape[0] else {
            throw DataError.countMismatch(path: name, images: array.shape[0], labels: targets.count)
        }
        try PickleFile.checkLabels(targets, count: classNames.count, name: name)
        return ImageSet(images: array.data, labels: targets, height: array.shape[1], width: array.shape[2],
                        channels: array.shape[3], classNames: classNames)
    }

    /// Writes `pool` (labels = selection labels) the way Python 3 pickles the dict, loadable
    /// with a plain `pickle.load`.
    public static func write(_ pool: ImageSet, to path: String) throws {
        try PickleFile.writeBytes(encode(pool), path: path)
    }

    public static func encode(_ pool: ImageSet) -> [UInt8] {
        let data = NumpyArray(descr: "|u1", shape: [pool.count, pool.height, pool.width, pool.channels],
                              data: pool.images)
        let root = PickleValue.dict([
            .init(.string("data"), data.pickleValue()),
            .init(.string("extrapolated_targets"), NumpyArray(int64: pool.labels).pickleValue()),
        ])
        return PickleWriter.write(root, bytesStyle: .python3Bytes)
    }
}
