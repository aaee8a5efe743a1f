using System.CommandLine;

namespace Consortium.Cli;

// A named class rather than top-level statements: a global Program would collide with the server's in the tests,
// which run this command line in-process.
internal static class Program
{
    public static Task<int> Main(string[] args) => ConsortiumCommandLine.Root().Parse(args).InvokeAsync();
}
