using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Npgsql;
using Weasel.Core;

namespace Consortium.Server.Storage;

public static class StorageRegistration
{
    public const string ConnectionStringName = "Consortium";

    /// <summary>
    /// Marten documents and event store on PostgreSQL: the configured server, or an embedded private one when none is configured.
    /// </summary>
    public static WebApplicationBuilder AddConsortiumStorage(this WebApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString(ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            connectionString = StartEmbeddedDatabase(builder);
        }
        var node = new ServerNode(builder.Configuration);
        builder.Services.AddSingleton(node);
        var budget = ConnectionBudget.For(connectionString, builder.Configuration);
        connectionString = WithPoolSettings(connectionString, builder.Configuration.GetValue(WarmConnections.Setting, WarmConnections.Default));
        var schema = builder.Configuration["Storage:Schema"] ?? "consortium";
        var settings = new StorageSettings(ConnectionBudget.Pool(connectionString, "shared", budget.Shared, node), schema)
        {
            DocumentsConnectionString = ConnectionBudget.Pool(connectionString, "documents", budget.Documents, node),
            SearchConnectionString = ConnectionBudget.Pool(connectionString, "search", budget.Search, node),
            Budget = budget,
        };
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton<FeedPosition>();
        builder.Services.AddHostedService<FeedHorizon>();

        builder.Services.AddMarten(services =>
        {
            var options = new StoreOptions();
            options.Connection(settings.DocumentsConnectionString);
            options.DatabaseSchemaName = schema;
            options.Events.DatabaseSchemaName = schema;
            // Rich appends learn each event's global sequence number before the inline projections run, so read
            // models carry the same number as the push and the changes feed (Quick mode leaves it at 0 there).
            options.Events.AppendMode = JasperFx.Events.EventAppendMode.Rich;
            options.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase);

            // Each area registers its own documents, indexes, projections and listeners (services.ConfigureMarten in
            // its AddX), applied after this and before the store is built.
            return options;
        })
        .UseLightweightSessions()
        .ApplyAllDatabaseChangesOnStartup()
        // One node: Solo, not HotCold (docs/decisions/0002-marten-daemon-solo.md). Several: only the elected node runs it
        // (ProjectionDaemonLeader, decision 0029).
        .AddAsyncDaemon(node.IsOneOfMany ? DaemonMode.Disabled : DaemonMode.Solo);
        if (node.IsOneOfMany)
        {
            builder.Services.AddHostedService<ProjectionDaemonLeader>();
        }
        builder.Services.AddHostedService<WarmConnections>();
        builder.Services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database")
            .AddCheck<ConnectionCapacityHealthCheck>("database-connections", Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Degraded);
        return builder;
    }

    /// <summary>
    /// Lets Npgsql prepare the statements a connection runs again and again (the token lookup, the access check,
    /// Marten's inserts): PostgreSQL then parses and plans each once per connection instead of once per request
    /// (decision 0018, amendment), and the plans of the changes feed's trigger are kept too. A connection string
    /// that sets Max Auto Prepare itself is left as it is.
    /// </summary>
    /// <remarks>
    /// And no reset when a connection goes back to the pool (its seven reset statements per return were a large part
    /// of a note's statements, decision 0018): nothing of ours leaves session state on a pooled connection (no SET, no
    /// LISTEN, no temporary tables, only transaction-scoped advisory locks), and Npgsql rolls back an open transaction
    /// anyway. And a floor of connections each pool keeps open (<see cref="WarmConnections"/>).
    /// </remarks>
    internal static string WithPoolSettings(string connectionString, int warmConnections)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        WarmConnections.Apply(builder, warmConnections);
        if (builder.MaxAutoPrepare == 0)
        {
            builder.MaxAutoPrepare = 64;
        }
        builder.NoResetOnClose = true;
        return builder.ConnectionString;
    }

    private static string StartEmbeddedDatabase(WebApplicationBuilder builder)
    {
        var dataDirectory = builder.Configuration["Storage:EmbeddedDataDirectory"] ?? EmbeddedPostgres.DefaultDataDirectory();
        try
        {
            // Synchronous on purpose: nothing else can be configured before the database exists.
            var cluster = EmbeddedPostgres.StartAsync(dataDirectory, builder.Configuration["Storage:PostgresBinaries"]).GetAwaiter().GetResult();
            cluster.EnsureDatabaseAsync("consortium").GetAwaiter().GetResult();
            builder.Services.AddSingleton(cluster);
            // Registered before anything that uses the database, so it is stopped after all of them.
            builder.Services.AddHostedService(_ => new EmbeddedPostgresLifetime(cluster));
            Console.WriteLine($"Consortium: using the embedded PostgreSQL in {cluster.DataDirectory} on 127.0.0.1:{cluster.Port}.");
            return cluster.ConnectionString("consortium");
        }
        catch (EmbeddedPostgresUnavailableException e)
        {
            // An operator needs one sentence saying what to install or set, not a stack trace.
            Console.Error.WriteLine($"Consortium cannot start: {e.Message}");
            Environment.Exit(78);
            throw;
        }
    }
}

/// <summary>
/// The database: <see cref="ConnectionString"/> is the shared pool's (the identity store, the token check, the feeds,
/// imports, audit), Marten's pool and the search's have their own (<see cref="ConnectionBudget"/>).
/// </summary>
public sealed record StorageSettings(string ConnectionString, string Schema)
{
    /// <summary>Marten's pool: documents and events.</summary>
    public string DocumentsConnectionString { get; init; } = ConnectionString;

    /// <summary>The search's pool, to which the search adds its session settings.</summary>
    public string SearchConnectionString { get; init; } = ConnectionString;

    public ConnectionBudget Budget { get; init; } = new(100, 100, 100);
}
