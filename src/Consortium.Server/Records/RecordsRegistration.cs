using Marten;

namespace Consortium.Server.Records;

public static class RecordsRegistration
{
    /// <summary>How datasets, records, restrictions, import jobs and the search's read models are stored.</summary>
    public static WebApplicationBuilder AddRecords(this WebApplicationBuilder builder)
    {
        builder.Services.ConfigureMarten(options =>
        {
            options.RegisterRecordDocuments();
            options.RegisterImportJobs();
            options.RegisterRecordSearch();
        });
        // After Marten's own schema (applied by a hosted service AddConsortiumStorage registered earlier): the search
        // indexes sit on its record table.
        builder.Services.AddHostedService<RecordSearchSchema>();
        return builder;
    }
}
