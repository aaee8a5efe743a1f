using Consortium.Server.Access;
using System.Threading.Channels;
using Consortium.Client;
using Consortium.Server.Identity;
using Consortium.Server.Storage;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Consortium.Server.Audit;

/// <summary>How many records one person may read per hour through lists, searches and record reads (<c>Records:ReadBudgetPerHour</c>).</summary>
public sealed record ReadBudgetSettings(long PerHour)
{
    public const long DefaultPerHour = 5000;

    public static ReadBudgetSettings From(IConfiguration configuration) => new(configuration.GetValue("Records:ReadBudgetPerHour", DefaultPerHour));
}

/// <summary>A member ran out of their read budget in an investigation: its coordinators are told live (LiveUpdates pushes it).</summary>
public sealed record ReadBudgetExhausted(Guid InvestigationId, IReadOnlyList<string> CoordinatorIds, string UserId, string DisplayName, string? OutletId, long Read, long Budget, DateTimeOffset At);

/// <summary>The exhausted budgets waiting to be pushed; written after the audit entry committed.</summary>
public sealed class ReadBudgetAlerts
{
    private readonly Channel<ReadBudgetExhausted> alerts = Channel.CreateUnbounded<ReadBudgetExhausted>(new UnboundedChannelOptions { SingleReader = true });

    public ChannelReader<ReadBudgetExhausted> Reader => alerts.Reader;

    public void Announce(ReadBudgetExhausted alert) => alerts.Writer.TryWrite(alert);
}

/// <summary>
/// The bulk-read guard (issue 17, item 7): paging through a dataset is reading it out, which export's rules (roles, a
/// fresh sign-in, an audit entry) govern. Every list page, search page and record read is counted against the reader's
/// budget for the current clock hour, in PostgreSQL (one upsert per read, so it holds across restarts and nodes); the
/// read that would pass it is refused with 429, and the first refusal of the hour is audited and told to the
/// investigation's coordinators. Export does not count: it is the way out, with its own checks.
/// </summary>
/// <remarks>
/// Fixed hour windows: a reader may take up to twice the budget across the turn of an hour, a bound that is enough to
/// stop a dataset of 50,000 from walking out in a lunch break, at the cost of one row per reader and hour.
/// </remarks>
public sealed class ReadBudget(ReadBudgetSettings settings, StorageSettings storage, TimeProvider clock, AuditLog audit, ReadBudgetAlerts alerts, IDocumentStore store)
{
    private readonly string table = $"\"{storage.Schema.Replace("\"", "\"\"", StringComparison.Ordinal)}\".read_budget";

    public string Table => table;

    /// <summary>Counts <paramref name="records"/> read by the caller; a problem (429) when that would pass the budget, and nothing is counted.</summary>
    public async Task<ProblemHttpResult?> ChargeAsync(HttpContext http, Guid investigationId, int records, CancellationToken cancellationToken)
    {
        if (records <= 0)
        {
            return null;
        }
        var user = ConsortiumUser.From(http.User);
        var now = clock.GetUtcNow();
        var window = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero);
        await using var connection = new NpgsqlConnection(storage.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using (var charge = new NpgsqlCommand($"""
            insert into {table} as b (user_id, window_start, records, alerted) select $1, $2, $3, false where $3 <= $4
            on conflict (user_id, window_start) do update set records = b.records + excluded.records where b.records + excluded.records <= $4
            returning records
            """, connection))
        {
            charge.Parameters.Add(new() { Value = user.UserId });
            charge.Parameters.Add(new() { Value = window });
            charge.Parameters.Add(new() { Value = (long)records });
            charge.Parameters.Add(new() { Value = settings.PerHour });
            if (await charge.ExecuteScalarAsync(cancellationToken) is long)
            {
                return null;
            }
        }
        // Over budget. The first refusal of the hour flips "alerted" and raises the alarm; later ones only refuse.
        long? firstRefusal;
        await using (var flag = new NpgsqlCommand($"""
            insert into {table} as b (user_id, window_start, records, alerted) values ($1, $2, 0, true)
            on conflict (user_id, window_start) do update set alerted = true where not b.alerted
            returning records
            """, connection))
        {
            flag.Parameters.Add(new() { Value = user.UserId });
            flag.Parameters.Add(new() { Value = window });
            firstRefusal = await flag.ExecuteScalarAsync(cancellationToken) as long?;
        }
        if (firstRefusal is { } read)
        {
            await AlertAsync(http, user, investigationId, read, now, cancellationToken);
        }
        var retryAfter = (int)Math.Ceiling((window.AddHours(1) - now).TotalSeconds);
        http.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Problem(new ProblemDetails
        {
            Type = "https://tools.ietf.org/html/rfc6585#section-4",
            Title = "Read budget exhausted",
            Status = StatusCodes.Status429TooManyRequests,
            Detail = $"You may read {settings.PerHour:N0} records per hour through lists, searches and record pages, and this would pass it; " +
                $"reading resumes in {retryAfter / 60 + 1} minutes. To take a dataset's records out, export it (editors and coordinators). " +
                "The investigation's coordinators have been told.",
        });
    }

    private async Task AlertAsync(HttpContext http, ConsortiumUser user, Guid investigationId, long read, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await audit.RecordAsync(http, new AuditSubject(SecurityAuditActions.ReadBudgetExceeded, investigationId, AuditTargets.User, user.UserId,
            $"{read} records read this hour; budget {settings.PerHour} per hour; further reads refused"), cancellationToken);
        await using var session = store.QuerySession();
        var investigation = await session.LoadAsync<Investigation>(investigationId, cancellationToken);
        var coordinators = investigation?.People.Where(p => p.Role == InvestigationRole.Coordinator && p.IsCurrent(now)).Select(p => p.UserId).ToList() ?? [];
        alerts.Announce(new ReadBudgetExhausted(investigationId, coordinators, user.UserId, user.DisplayName, user.OutletId, read, settings.PerHour, now));
    }
}

/// <summary>Creates the budget table at start-up, idempotently, and drops windows older than a day.</summary>
public sealed class ReadBudgetSchema(StorageSettings storage, ReadBudget budget, IDocumentStore store) : IHostedService
{
    // "RBud" in ASCII: servers starting at once create the table one after the other.
    private const long SchemaLockKey = 0x52427564;

    public Task StartAsync(CancellationToken cancellationToken) => SchemaSetup.ApplyAsync(store, storage, SchemaLockKey,
        [
            $"""
            create table if not exists {budget.Table} (
              user_id text not null,
              window_start timestamptz not null,
              records bigint not null,
              alerted boolean not null,
              primary key (user_id, window_start))
            """,
            $"delete from {budget.Table} where window_start < now() - interval '1 day'",
        ], cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

public static class ReadBudgetRegistration
{
    public static WebApplicationBuilder AddReadBudget(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(ReadBudgetSettings.From(builder.Configuration));
        builder.Services.AddSingleton<ReadBudgetAlerts>();
        builder.Services.AddSingleton<ReadBudget>();
        builder.Services.AddHostedService<ReadBudgetSchema>();
        return builder;
    }
}
