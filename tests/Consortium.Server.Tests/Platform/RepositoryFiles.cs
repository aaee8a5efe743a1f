namespace Consortium.Server.Tests.Platform;

/// <summary>The checked-out repository the tests were built from: deployment files are checked against it.</summary>
internal static class RepositoryFiles
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(string relative) => Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));

    public static string Read(string relative) => File.ReadAllText(PathOf(relative));

    public static bool Exists(string relative) => File.Exists(PathOf(relative)) || Directory.Exists(PathOf(relative));

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Consortium.sln")))
            {
                return folder.FullName;
            }
        }
        throw new InvalidOperationException($"No Consortium.sln above {AppContext.BaseDirectory}.");
    }
}
