using System.Globalization;
using System.Text.Json;
using Consortium.Client;
using Consortium.Server.Hosting;
using Consortium.Server.Identity;
using Consortium.Server.Storage;
using Marten;
using Npgsql;
using NpgsqlTypes;

namespace Consortium.Server.Publication;

/// <summary>
/// The publication changes feed: every committed state of a story or wave, in (transaction id, sequence) order, only
/// from transactions no longer running, so a writer committing late is never skipped (the annotations feed's
/// guarantee, decision 0014). Filtered by what the caller may see now. Cursors read "xid-sequence" like the annotations'.
/// </summary>
public sealed class PublicationFeed(StorageSettings settings, PublicationAccess access, IQuerySession session, PublicationOptions options)
{
    public const int MaxLimit = 1000;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<IResult> Read(Guid investigationId, string? after, int? limit, string[]? zones, HttpContext http, PublicationFeed feed, CancellationToken cancellationToken)
    {
        var user = ConsortiumUser.From(http.User);
        if (!TryParse(after, out var xid, out var sequence))
        {
            return Problems.BadRequest("Bad cursor", "Pass back the cursor of an earlier answer, or nothing to start from the beginning.");
        }
        if ((limit ?? 500) is < 1 or > MaxLimit)
        {
            return Problems.BadRequest("Bad limit", $"limit is between 1 and {MaxLimit}.");
        }
        return await feed.ReadAsync(user, investigationId, xid, sequence, limit ?? 500, zones, cancellationToken) is { } page ? TypedResults.Ok(page) : Problems.NotFound("investigation");
    }

    private static bool TryParse(string? text, out ulong xid, out long sequence)
    {
        (xid, sequence) = (0, 0);
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }
        var parts = text.Split('-');
        return parts.Length == 2 && ulong.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out xid)
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out sequence);
    }

    public async Task<PublicationChangesPage?> ReadAsync(ConsortiumUser user, Guid investigationId, ulong afterXid, long afterSequence, int limit, string[]? zones,
        CancellationToken cancellationToken)
    {
        if (await access.PlanAsync(user, investigationId, cancellationToken) is not { } plan)
        {
            return null;
        }
        var visible = plan.Stories.Select(s => s.Id).Concat(plan.Waves.Select(w => w.Id)).ToArray();
        var waves = (await session.Query<PublicationWave>().Where(w => w.InvestigationId == investigationId).ToListAsync(cancellationToken)).ToDictionary(w => w.Id);
        var viewer = await ViewerZones.OfAsync(session, user.UserId, user.OutletId, zones, cancellationToken);
        var sql = $"""
            select f.xid::text, f.seq, f.kind, f.object_id, f.data::text
            from {settings.Schema}.publication_feed f
            where f.investigation_id = $1
              and f.xid < {FeedHorizon.Sql(settings.Schema)}
              and (f.xid, f.seq) > ($2::text::xid8, $3)
              and f.object_id = any($4)
            order by f.xid, f.seq
            limit $5
            """;
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection)
        {
            Parameters =
            {
                new() { Value = investigationId, NpgsqlDbType = NpgsqlDbType.Uuid },
                new() { Value = afterXid.ToString(CultureInfo.InvariantCulture), NpgsqlDbType = NpgsqlDbType.Text },
                new() { Value = afterSequence, NpgsqlDbType = NpgsqlDbType.Bigint },
                new() { Value = visible, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
                new() { Value = limit + 1, NpgsqlDbType = NpgsqlDbType.Integer },
            },
        };
        var items = new List<PublicationChange>(limit);
        var hasMore = false;
        var participants = new Dictionary<Guid, IReadOnlyList<string>>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                if (items.Count == limit)
                {
                    hasMore = true;
                    break;
                }
                var cursor = $"{reader.GetString(0)}-{reader.GetInt64(1).ToString(CultureInfo.InvariantCulture)}";
                var kind = reader.GetString(2);
                var id = reader.GetGuid(3);
                if (kind == "story")
                {
                    var story = JsonSerializer.Deserialize<PublicationStory>(reader.GetString(4), Json)!;
                    if (waves.TryGetValue(story.WaveId, out var wave))
                    {
                        items.Add(new PublicationChange(cursor, story.Sequence, kind, id, PublicationViews.Story(story, wave, viewer, options), null));
                    }
                }
                else
                {
                    var wave = JsonSerializer.Deserialize<PublicationWave>(reader.GetString(4), Json)!;
                    if (!participants.TryGetValue(id, out var outlets))
                    {
                        participants[id] = outlets = await access.VisibleParticipantsAsync(id, user.OutletId, plan.Role, cancellationToken);
                    }
                    items.Add(new PublicationChange(cursor, wave.Sequence, kind, id, null, PublicationViews.Wave(wave, outlets, viewer, PublicationAccess.CanPlan(plan.Role))));
                }
            }
        }
        var last = items.Count > 0 ? items[^1].Cursor : $"{afterXid.ToString(CultureInfo.InvariantCulture)}-{afterSequence.ToString(CultureInfo.InvariantCulture)}";
        return new PublicationChangesPage(items, last, hasMore);
    }
}

/// <summary>
/// The feed's table and the triggers that fill it from Marten's story and wave tables in the writing transaction
/// (whatever path wrote them: a request, the lift, a rebuild), with the transaction's id.
/// </summary>
public sealed class PublicationFeedSchema(IDocumentStore store, StorageSettings settings) : IHostedService
{
    // "Publ" in ASCII: servers starting at once create the objects one after the other.
    private const long SchemaLockKey = 0x5075626C;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        var schema = settings.Schema;
        var table = $"{schema}.publication_feed";
        var statements = new List<string>
        {
            $"select pg_advisory_xact_lock({SchemaLockKey})",
            $"""
            create table if not exists {table} (
              seq bigint not null,
              xid xid8 not null,
              kind text not null,
              object_id uuid not null,
              investigation_id uuid not null,
              data jsonb not null,
              primary key (object_id, seq))
            """,
            $"create index if not exists ix_publication_feed_position on {table} (investigation_id, xid, seq)",
        };
        foreach (var (kind, documentTable) in new[] { ("story", store.Options.Schema.For<PublicationStory>().ToString()), ("wave", store.Options.Schema.For<PublicationWave>().ToString()) })
        {
            statements.Add($"""
                create or replace function {schema}.publication_feed_{kind}() returns trigger language plpgsql as $fn$
                begin
                  insert into {table} (seq, xid, kind, object_id, investigation_id, data)
                  values ((new.data ->> 'sequence')::bigint, pg_current_xact_id(), '{kind}', new.id, (new.data ->> 'investigationId')::uuid, new.data)
                  on conflict (object_id, seq) do nothing;
                  return null;
                end
                $fn$
                """);
            statements.Add($"create or replace trigger publication_feed_{kind} after insert or update on {documentTable} for each row execute function {schema}.publication_feed_{kind}()");
        }
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var statement in statements)
        {
            await using var command = new NpgsqlCommand(statement, connection, transaction);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
