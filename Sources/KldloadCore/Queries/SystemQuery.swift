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
/// `-j --json-int` and read by `ZFSJSONParser`. Which form runs is decided in one place,
/// `SystemQuery.ask(using:)`, from the OpenZFS release; today every query is read as text.
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
    }

    /// The text form (`-Hp`, or the program's only output).
    public var text: Form
    /// The JSON form of OpenZFS 2.3 and later, when the question has one (not read yet).
    public var json: Form?

    public init(text: Form, json: Form? = nil) {
        self.text = text
        self.json = json
    }

    /// A query whose answer is read from standard output.
    public init(_ command: Command, parse: @escaping @Sendable (String) throws(ParseError) -> Value) {
        self.init(text: Form(command: command, parse: { (r: CommandResult) throws(ParseError) -> Value in try parse(r.stdout) }))
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

    /// Runs the query through `run` (a runner, or kupgrade's logging `exec`) and returns the
    /// answer: the command's result, parsed on demand. The one place a form is chosen.
    public func ask(using run: (Command) throws(CommandError) -> CommandResult) throws(CommandError) -> QueryAnswer<Value> {
        let form = text
        return QueryAnswer(result: try run(form.command), parse: form.parse)
    }
}

/// What a `SystemQuery` got: the command's result, and its parsed value on demand. A caller that
/// reports failures its own way checks `result.status` (and `stderr`) first; `SystemContext.run`
/// does that for everyone else.
public struct QueryAnswer<Value>: Sendable {
    public var result: CommandResult
    let parse: @Sendable (CommandResult) throws(ParseError) -> Value

    /// The parsed answer (whatever the exit status was: check `result.status` first when it matters).
    public func value() throws(ParseError) -> Value { try parse(result) }
}

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
    /// Asks the system through this context's runner; see `SystemQuery.ask(using:)`.
    public func ask<Value>(_ query: SystemQuery<Value>) throws(CommandError) -> QueryAnswer<Value> {
        try query.ask { (c: Command) throws(CommandError) -> CommandResult in try runner.run(c) }
    }

    /// The answer to `query`, or why there is none. Blocks while the command runs.
    public func run<Value>(_ query: SystemQuery<Value>) throws(QueryError) -> Value {
        let answer: QueryAnswer<Value>
        do { answer = try ask(query) } catch { throw .couldNotRun(error) }
        guard answer.result.status.isSuccess else { throw .failed(answer.result) }
        do { return try answer.value() } catch { throw .unreadable(error, answer.result) }
    }
}
