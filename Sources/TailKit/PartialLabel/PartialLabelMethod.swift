/// The partial-label methods of `tailkit pll` (RECORDS-LTPLL's `train.py` and `train_solar.py`).
///
/// - `corr`: CORR (Wu et al., ICML 2022): consistency over two views, confidences from their
///   geometric mean.
/// - `records`: CORR + RECORDS (Hong et al., ICLR 2023): the same loss, disambiguation and test
///   logits debiased by the prior read off the features' momentum mean; `--mixup` adds its Mixup term.
/// - `solar`: SoLar (Wang et al., NeurIPS 2022): Sinkhorn pseudo-labels under an estimated class
///   prior, class-wise small-loss selection, Mixup and consistency; two stages (prior pre-estimation,
///   then final training of a fresh model).
///
/// ```swift
/// let method = try PartialLabelMethod(parsing: "records")
/// ```
public enum PartialLabelMethod: String, NamedChoice, Codable, Sendable {
    case corr
    case records
    case solar

    public static let choiceKind = "method"
}
