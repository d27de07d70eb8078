/// MNIST handwritten digits: the same IDX layout as Fashion-MNIST, labels are the digits.
public enum MNIST {
    public static let datasetName = "mnist"
    public static let classNames = (0...9).map(String.init)

    /// The train or test split from `root`; with `padTo32` each image gets a 2-pixel zero border.
    public static func load(train: Bool, root: String, padTo32: Bool = false) throws -> ImageSet {
        let set = try IDX.loadStandardSplit(root: root, train: train, classNames: classNames)
        return padTo32 ? try IDX.zeroPadded(set, height: 32, width: 32) : set
    }
}
