/// A closed set of options chosen by name: on the command line (`--loss ldam`), in `config.yaml`
/// and in a checkpoint's saved config. The names are the raw values; `allCases` gives their order
/// in help texts and error messages.
///
/// Conforming enums get ``init(parsing:)``, which ignores case and, for a name it does not know,
/// throws ``TailKitError/invalidOption(_:)`` with the message
/// `unknown <choiceKind> 'x'; valid <choiceKindPlural>: a, b, c`, and ``validNames``, the names
/// joined by ", " for help texts.
///
/// ```swift
/// public enum OptimizerKind: String, NamedChoice, Codable, Sendable {
///     case sgd, adam
///     public static let choiceKind = "optimizer"
/// }
///
/// let kind = try OptimizerKind(parsing: "SGD")       // .sgd
/// _ = try OptimizerKind(parsing: "rmsprop")
/// // throws "unknown optimizer 'rmsprop'; valid optimizers: sgd, adam"
/// ```
public protocol NamedChoice: RawRepresentable, CaseIterable where RawValue == String {
    /// What one choice is called in messages: "loss", "rule", "arch".
    static var choiceKind: String { get }
    /// What several are called in the list of valid names; `choiceKind` + "s" unless the type says
    /// otherwise ("losses", "architectures").
    static var choiceKindPlural: String { get }
}

extension NamedChoice {
    public static var choiceKindPlural: String { choiceKind + "s" }

    /// Every name in `allCases` order, joined by ", ".
    public static var validNames: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// The choice named `text`, in any case.
    /// - Throws: ``TailKitError/invalidOption(_:)`` naming `text` and listing ``validNames``.
    public init(parsing text: String) throws {
        guard let choice = Self(rawValue: text.lowercased()) else {
            throw TailKitError.invalidOption("unknown \(Self.choiceKind) '\(text)'; valid \(Self.choiceKindPlural): \(Self.validNames)")
        }
        self = choice
    }
}
