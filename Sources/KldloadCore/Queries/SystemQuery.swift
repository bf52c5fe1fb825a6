import Foundation

/// One question kldload asks the system, as a value: the argv that asks it and the pure parser
/// that reads the answer into model types. Every read of `zfs`, `zpool`, `dkms`, `modinfo`,
/// `mokutil` and `rpm` is one of these, built by a named constructor in this folder
/// (`Queries.swift`), so each argv and its column list is written once, next to its parser.
///
/// ```swift
/// let context = SystemContext.host()
/// let status = try context.run(.poolStatus())            // zpool status → ZpoolStatusReport
/// let records = try context.run(.bootEnvironmentRecords(root: "rpool/ROOT"))
/// ```
///
/// A query may also have a `json` form: the same question asked with OpenZFS 2.3's
/// `-j --json-int` and read by `ZFSJSONParser`, both parsers giving the same values for the
/// same state (ZFS23CaptureTests). Which form runs is decided in one place,
/// `SystemQuery.ask(openZFS:using:)`, from the run's `OpenZFSOutput` (DESIGN item 19); a query
/// without a `json` form is read as text and never makes kldload ask `zfs version`.
public struct SystemQuery<Value>: Sendable {
    /// One way of asking: the command and how to read what it printed.
    public struct Form: Sendable {
        public var command: Command
        /// Pure: text → values, linear, never crashing. Given the whole result (some programs,
        /// `dkms status` and `mokutil`, say part of their answer on stderr).
        public var parse: @Sendable (CommandResult) throws(ParseError) -> Value

        public init(command: Command, parse: @escaping @Sendable (CommandResult) throws(ParseError) -> Value) {
            self.command = command
            self.parse = parse
        }

        /// A form whose answer is read from standard output.
        public init(_ command: Command, parse: @escaping @Sendable (String) throws(ParseError) -> Value) {
            self.init(command: command, parse: { (r: CommandResult) throws(ParseError) -> Value in try parse(r.stdout) })
        }
    }

    /// The text form (`-Hp`, or the program's only output).
    public var text: Form
    /// The JSON form of OpenZFS 2.3 and later (`-j --json-int`), when the question has one.
    public var json: Form?

    public init(text: Form, json: Form? = nil) {
        self.text = text
        self.json = json
    }

    /// A query whose answer is read from standard output.
    public init(_ command: Command, parse: @escaping @Sendable (String) throws(ParseError) -> Value) {
        self.init(text: Form(command, parse: parse))
    }

    /// The command that runs (the text form's).
    public var command: Command { text.command }

    /// The same question, its answer transformed (applied to every form).
    public func map<T>(_ transform: @escaping @Sendable (Value) throws(ParseError) -> T) -> SystemQuery<T> {
        func mapped(_ form: Form) -> SystemQuery<T>.Form {
            let parse = form.parse
            return .init(command: form.command, parse: { (r: CommandResult) throws(ParseError) -> T in try transform(parse(r)) })
        }
        return SystemQuery<T>(text: mapped(text), json: json.map(mapped))
    }

    /// The same question asked as text only (reads that stay text on every release, DESIGN
    /// item 19).
    public var textOnly: Self { Self(text: text) }

    /// Runs the query through `run` (a runner, or kupgrade's logging `exec`) and returns the
    /// answer: the command's result, parsed on demand. The one place a form is chosen:
    ///
    /// - no `json` form, or `openZFS` decided text: the text command;
    /// - JSON (OpenZFS 2.3+, learned with `zfs version` through `run` at the first such query):
    ///   the JSON command. A JSON answer that cannot be used (output the parser rejects, or exit
    ///   status 2, zfs/zpool's usage error) is asked again as text and `openZFS` notes it; any
    ///   other failure (no such pool or dataset) is the answer, for the caller to report.
    public func ask(openZFS: OpenZFSOutput,
                    using run: (Command) throws(CommandError) -> CommandResult) throws(CommandError) -> QueryAnswer<Value> {
        if let json, openZFS.decision(run: run).form == .json {
            let r = try run(json.command)
            if r.status.isSuccess {
                do throws(ParseError) {
                    let value = try json.parse(r)
                    return QueryAnswer(result: r, form: .json, parsed: value)
                } catch {
                    openZFS.fallBack("`\(json.command)` printed JSON kldload could not read (\(error)); read `\(text.command)` instead")
                }
            } else if r.status == .exited(2) {
                // zfs/zpool exit 2 on a usage error: this build does not take an option we gave.
                openZFS.fallBack("`\(json.command)` was refused (\(r.status)\(OpenZFSOutput.firstLine(r.stderr))); read `\(text.command)` instead")
            } else {
                // A real failure (no such pool or dataset): the same message the text prints.
                return QueryAnswer(result: r, form: .json, parse: json.parse)
            }
        }
        return QueryAnswer(result: try run(text.command), form: .text, parse: text.parse)
    }
}

/// What a `SystemQuery` got: the command that answered (the JSON one, or the text one), its
/// result, and its parsed value on demand. A caller that reports failures its own way checks
/// `result.status` (and `stderr`) first; `SystemContext.run` does that for everyone else.
public struct QueryAnswer<Value> {
    public var result: CommandResult
    /// Which form answered.
    public var form: ZFSOutputForm
    private let parsed: Parsed

    enum Parsed {
        case onDemand(@Sendable (CommandResult) throws(ParseError) -> Value)
        /// Parsed already (a JSON answer is read before it is accepted).
        case done(Value)
    }

    init(result: CommandResult, form: ZFSOutputForm, parse: @escaping @Sendable (CommandResult) throws(ParseError) -> Value) {
        self.result = result
        self.form = form
        self.parsed = .onDemand(parse)
    }

    init(result: CommandResult, form: ZFSOutputForm, parsed value: Value) {
        self.result = result
        self.form = form
        self.parsed = .done(value)
    }

    /// The parsed answer (whatever the exit status was: check `result.status` first when it matters).
    public func value() throws(ParseError) -> Value {
        switch parsed {
        case .onDemand(let parse): return try parse(result)
        case .done(let value): return value
        }
    }
}

extension QueryAnswer: Sendable where Value: Sendable {}
extension QueryAnswer.Parsed: Sendable where Value: Sendable {}

/// Why `SystemContext.run(_:)` has no value: the command could not run, ran and failed, or
/// printed something its parser rejects.
public enum QueryError: Error, Sendable, CustomStringConvertible {
    case couldNotRun(CommandError)
    /// Exited non-zero (or was killed): the result holds the program's own message.
    case failed(CommandResult)
    case unreadable(ParseError, CommandResult)

    public var description: String {
        switch self {
        case .couldNotRun(let error): return error.description
        case .failed(let result): return CommandError.failed(result).description
        case .unreadable(let error, let result): return "could not read the output of \(result.command): \(error)"
        }
    }
}

extension SystemContext {
    /// Asks the system through this context's runner, in the form this context's `openZFS`
    /// decided; see `SystemQuery.ask(openZFS:using:)`.
    public func ask<Value>(_ query: SystemQuery<Value>) throws(CommandError) -> QueryAnswer<Value> {
        try query.ask(openZFS: openZFS) { (c: Command) throws(CommandError) -> CommandResult in try runner.run(c) }
    }

    /// Asks through `run` (kupgrade's logging `exec`) in the form this context's `openZFS` decided.
    public func ask<Value>(_ query: SystemQuery<Value>,
                           using run: (Command) throws(CommandError) -> CommandResult) throws(CommandError) -> QueryAnswer<Value> {
        try query.ask(openZFS: openZFS, using: run)
    }

    /// The answer to `query`, or why there is none. Blocks while the command runs.
    public func run<Value>(_ query: SystemQuery<Value>) throws(QueryError) -> Value {
        let answer: QueryAnswer<Value>
        do { answer = try ask(query) } catch { throw .couldNotRun(error) }
        guard answer.result.status.isSuccess else { throw .failed(answer.result) }
        do { return try answer.value() } catch { throw .unreadable(error, answer.result) }
    }
}
