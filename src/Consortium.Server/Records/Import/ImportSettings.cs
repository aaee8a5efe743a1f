namespace Consortium.Server.Records;

/// <summary>
/// Where uploads wait and how imports are cut (configuration section <c>Import</c>). <see cref="SpoolRetention"/>: how
/// long the upload of a cancelled or failed job is kept for a resume before it is deleted.
/// </summary>
public sealed record ImportSettings(string SpoolDirectory, int BatchSize, long MaxUploadBytes, int Writers = ImportRecords.DefaultWriters, TimeSpan? Retention = null)
{
    public static readonly TimeSpan DefaultSpoolRetention = TimeSpan.FromDays(7);

    public TimeSpan SpoolRetention => Retention ?? DefaultSpoolRetention;

    public static ImportSettings From(IConfiguration configuration) => new(
        configuration["Import:SpoolDirectory"] is { Length: > 0 } folder
            ? folder
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "consortium", "imports"),
        configuration.GetValue("Import:BatchSize", ImportRecords.DefaultBatchSize),
        configuration.GetValue("Import:MaxUploadBytes", ImportRecords.MaxRequestBytes),
        Math.Max(1, configuration.GetValue("Import:Writers", ImportRecords.DefaultWriters)),
        configuration.GetValue("Import:SpoolRetention", DefaultSpoolRetention));
}
