import Foundation

/// The process's command line, for the two executables' argument parsers.
public enum ProcessArguments {
    /// The arguments after the program's name.
    ///
    /// Swift fills `CommandLine.arguments` from an ELF initialiser; under some preloaded
    /// libraries it comes back empty (libfaketime, which tests use to move the registry's clock,
    /// is one), and `qcreditd` would then start on its production defaults instead of the
    /// options it was given. A real process always has its name as argument 0, so an empty list
    /// is read again from the kernel's copy, `/proc/self/cmdline`.
    public static var afterProgramName: [String] {
        let captured = CommandLine.arguments
        if !captured.isEmpty { return Array(captured.dropFirst()) }
        return Array(fromKernel.dropFirst())
    }

    /// The first argument after the program's name that is not UTF-8 text, as its place (1 is
    /// the first) and bytes: the arguments are read as UTF-8, and such a one would otherwise
    /// reach the command with U+FFFD in place of its bytes (a name registered as "�abc").
    public static var notUTF8: (place: Int, bytes: [UInt8])? {
        for (place, argument) in kernelArguments.enumerated().dropFirst() where String(validating: argument, as: UTF8.self) == nil {
            return (place, Array(argument))
        }
        return nil
    }

    /// `/proc/self/cmdline`, read as text.
    static var fromKernel: [String] { kernelArguments.map { String(decoding: $0, as: UTF8.self) } }

    /// `/proc/self/cmdline`: each argument's bytes, followed by a NUL there.
    private static var kernelArguments: [Data.SubSequence] {
        guard let bytes = FileManager.default.contents(atPath: "/proc/self/cmdline") else { return [] }
        var arguments = bytes.split(separator: 0, omittingEmptySubsequences: false)
        if arguments.last?.isEmpty == true { arguments.removeLast() }
        return arguments
    }
}
