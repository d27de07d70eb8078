/// The training tasks a run can be, by the names `config.yaml` and the CLI use.
///
/// ```swift
/// let config = TrainConfig(task: try TaskKind(parsing: "moco"))    // pretrain_moco.py's defaults
/// ```
public enum TaskKind: String, NamedChoice, Codable, Sendable {
    /// Supervised classification, joint or a second stage (train.py, `imagenet_inat/main.py`).
    case supervised
    /// 4-way rotation prediction on the images without labels (pretrain_rot.py).
    case rotation
    /// MoCo v2 instance discrimination with a momentum key encoder and a queue (pretrain_moco.py).
    case moco
    /// Partial-label learning: CORR, RECORDS or SoLar (RECORDS-LTPLL's train.py, train_solar.py).
    case pll
    /// Imbalanced semi-supervised learning: FixMatch and friends with imbalance add-ons such as DASO
    /// (ytaek-oh/daso's main.py; its own settings are `SSLConfig`'s).
    case ssl

    public static let choiceKind = "task"
}
