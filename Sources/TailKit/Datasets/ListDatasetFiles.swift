import TailData

/// The list files of the list data sets, as `imagenet_inat/data/<Dataset>/` ships them (spec §1.4):
/// ImageNet-LT has train (115,846 lines), val (20,000, for choosing the epoch) and test (50,000, the
/// reported number); iNaturalist 2018 has train and val, and val is also its test list.
///
/// ```swift
/// let files = try #require(DatasetName.imagenetLT.listFiles)
/// let val = try ImageList(listFile: "\(root)/\(files.val)", root: root, classCount: 1000)
/// ```
public struct ListDatasetFiles: Sendable, Equatable {
    public var train: String
    public var val: String
    public var test: String
}

extension DatasetName {
    /// The list file names under the data folder, nil for the data sets shipped as arrays.
    public var listFiles: ListDatasetFiles? {
        switch self {
        case .imagenetLT:
            return ListDatasetFiles(train: "ImageNet_LT_train.txt", val: "ImageNet_LT_val.txt", test: "ImageNet_LT_test.txt")
        case .inat2018:
            return ListDatasetFiles(train: "iNaturalist18_train.txt", val: "iNaturalist18_val.txt", test: "iNaturalist18_val.txt")
        default:
            return nil
        }
    }
}
