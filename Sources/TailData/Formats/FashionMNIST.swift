/// Fashion-MNIST (Zalando): 60,000 train and 10,000 test 28x28 grayscale images of 10 clothing
/// classes, in the IDX files its publisher ships. Built in as dataset `fmnist`.
public enum FashionMNIST {
    public static let datasetName = "fmnist"
    public static let defaultRoot = "/usr/share/datasets/fashion-mnist"
    public static let classNames = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ]

    /// The train or test split from `root`; with `padTo32` each image gets a 2-pixel zero border.
    public static func load(train: Bool, root: String = defaultRoot, padTo32: Bool = false) throws -> ImageSet {
        let set = try IDX.loadStandardSplit(root: root, train: train, classNames: classNames)
        return padTo32 ? try IDX.zeroPadded(set, height: 32, width: 32) : set
    }
}
