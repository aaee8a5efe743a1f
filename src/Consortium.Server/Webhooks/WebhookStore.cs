using System.Text.Json;
using Consortium.Client;
using Consortium.Server.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Consortium.Server.Webhooks;

/// <summary>A delivery's row written by a dispatch round or a redelivery: inserted, or its attempt appended to the stored ones.</summary>
public sealed record DeliveryWrite(Guid Id, string EventId, string Type, string EntryCursor, string AfterCursor, string Status, WebhookAttempt Attempt);

/// <summary>An endpoint's state after a round: where its cursor stands, whether it is failing, retried when, or disabled.</summary>
public sealed record EndpointProgress(string Cursor, DateTimeOffset? FailingSince, DateTimeOffset? NextAttemptAt, string? DisabledReason = null);

/// <summary>The webhook tables (see <see cref="WebhookSchema"/>), with plain SQL. Every read and write of an endpoint names its outlet or comes from the dispatcher.</summary>
public sealed class WebhookStore(StorageSettings settings, WebhookSchema schema)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private const string Columns = "id, outlet_id, url, description, event_types, investigation_id, secret, previous_secret, previous_until, enabled, disabled_reason, cursor, failing_since, next_attempt_at, created_at, created_by";

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    public async Task<List<WebhookEndpointRow>> ListAsync(string outletId, CancellationToken cancellationToken) =>
        await QueryAsync($"select {Columns} from {schema.Endpoints} where outlet_id = $1 order by created_at", [Text(outletId)], cancellationToken);

    /// <summary>The endpoint if it belongs to <paramref name="outletId"/>; another outlet's reads as missing.</summary>
    public async Task<WebhookEndpointRow?> GetAsync(string outletId, Guid id, CancellationToken cancellationToken) =>
        (await QueryAsync($"select {Columns} from {schema.Endpoints} where id = $1 and outlet_id = $2", [Uuid(id), Text(outletId)], cancellationToken)).SingleOrDefault();

    /// <summary>The endpoint as the dispatcher reads it before each round (an administrator may have changed it).</summary>
    public async Task<WebhookEndpointRow?> ForDispatchAsync(Guid id, CancellationToken cancellationToken) =>
        (await QueryAsync($"select {Columns} from {schema.Endpoints} where id = $1", [Uuid(id)], cancellationToken)).SingleOrDefault();

    /// <summary>Enabled endpoints whose next attempt is due (or not scheduled).</summary>
    public async Task<List<WebhookEndpointRow>> DueAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        await QueryAsync($"select {Columns} from {schema.Endpoints} where enabled and (next_attempt_at is null or next_attempt_at <= $1)", [Time(now)], cancellationToken);

    /// <summary>
    /// Whether any endpoint is enabled, and the earliest scheduled retry of one, so the dispatcher sleeps no longer than
    /// that (and, with none enabled, does not wake at every commit for nothing).
    /// </summary>
    public async Task<(bool AnyEnabled, DateTimeOffset? NextRetry)> NextRetryAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"select count(*) > 0, min(next_attempt_at) from {schema.Endpoints} where enabled", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetBoolean(0), reader.IsDBNull(1) ? null : new DateTimeOffset(reader.GetDateTime(1), TimeSpan.Zero));
    }

    /// <summary>
    /// Deletes delivery-log rows that ended (delivered or withdrawn) before <paramref name="before"/>, a batch at a time
    /// per endpoint (its log index), so no statement holds many rows locked. Failed and retrying rows stay whatever
    /// their age: enabling an endpoint retries the event it failed on. Returns how many rows went.
    /// </summary>
    public async Task<long> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        const int Batch = 5000;
        await using var connection = await OpenAsync(cancellationToken);
        var endpoints = new List<Guid>();
        await using (var list = new NpgsqlCommand($"select id from {schema.Endpoints}", connection))
        await using (var reader = await list.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                endpoints.Add(reader.GetGuid(0));
            }
        }
        long pruned = 0;
        foreach (var endpointId in endpoints)
        {
            while (true)
            {
                await using var delete = new NpgsqlCommand(
                    $"""
                    delete from {schema.Deliveries} where id in (
                      select id from {schema.Deliveries}
                      where endpoint_id = $1 and created_at < $2
                        and status in ('{WebhookDeliveryStatuses.Delivered}', '{WebhookDeliveryStatuses.Withdrawn}')
                      limit {Batch})
                    """, connection) { Parameters = { Uuid(endpointId), Time(before) } };
                var deleted = await delete.ExecuteNonQueryAsync(cancellationToken);
                pruned += deleted;
                if (deleted < Batch)
                {
                    break;
                }
            }
        }
        return pruned;
    }

    public async Task<int> CountAsync(string outletId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"select count(*) from {schema.Endpoints} where outlet_id = $1", connection) { Parameters = { Text(outletId) } };
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task InsertAsync(WebhookEndpointRow row, CancellationToken cancellationToken) =>
        await ExecuteAsync($"insert into {schema.Endpoints} ({Columns}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        [
            Uuid(row.Id), Text(row.OutletId), Text(row.Url), Text(row.Description), new() { Value = row.EventTypes, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
            NullableUuid(row.InvestigationId), Text(row.ProtectedSecret), NullableText(row.ProtectedPreviousSecret), NullableTime(row.PreviousUntil),
            new() { Value = row.Enabled, NpgsqlDbType = NpgsqlDbType.Boolean }, NullableText(row.DisabledReason), Text(row.Cursor),
            NullableTime(row.FailingSince), NullableTime(row.NextAttemptAt), Time(row.CreatedAt), Text(row.CreatedBy),
        ], cancellationToken);

    public async Task<bool> DeleteAsync(string outletId, Guid id, CancellationToken cancellationToken) =>
        await ExecuteAsync($"delete from {schema.Endpoints} where id = $1 and outlet_id = $2", [Uuid(id), Text(outletId)], cancellationToken) == 1;

    /// <summary>
    /// Enabling clears the failure state: the event the endpoint failed on is retried first, with a fresh window.
    /// Disabling by an administrator keeps the cursor, so enabling later resumes where deliveries stopped.
    /// </summary>
    public async Task<bool> SetEnabledAsync(string outletId, Guid id, bool enabled, CancellationToken cancellationToken) =>
        await ExecuteAsync(
            $"""
            update {schema.Endpoints} set enabled = $3,
              disabled_reason = case when $3 then null else 'Disabled by an administrator.' end,
              failing_since = case when $3 then null else failing_since end,
              next_attempt_at = case when $3 then null else next_attempt_at end
            where id = $1 and outlet_id = $2
            """, [Uuid(id), Text(outletId), new() { Value = enabled, NpgsqlDbType = NpgsqlDbType.Boolean }], cancellationToken) == 1;

    public async Task<bool> RotateAsync(string outletId, Guid id, string protectedSecret, string protectedPrevious, DateTimeOffset previousUntil, CancellationToken cancellationToken) =>
        await ExecuteAsync($"update {schema.Endpoints} set secret = $3, previous_secret = $4, previous_until = $5 where id = $1 and outlet_id = $2",
            [Uuid(id), Text(outletId), Text(protectedSecret), Text(protectedPrevious), Time(previousUntil)], cancellationToken) == 1;

    /// <summary>
    /// Stores a round's deliveries and the endpoint's new state in one transaction. <paramref name="progress"/> is
    /// given the number of attempts the round's last delivery has had in all (retries before this round included), so
    /// the backoff and the give-up decision count every attempt. Deliveries still marked retrying for another event
    /// than this round's first are withdrawn: the feed no longer shows that event to the outlet.
    /// </summary>
    public async Task SaveRoundAsync(Guid endpointId, IReadOnlyList<DeliveryWrite> writes, bool wasFailing, Func<int, EndpointProgress> progress, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var lastAttempts = 0;
        if (wasFailing)
        {
            // Only an endpoint that was failing can hold a retrying delivery (its queue stops at it).
            await using var withdraw = new NpgsqlCommand(
                $"update {schema.Deliveries} set status = '{WebhookDeliveryStatuses.Withdrawn}' where endpoint_id = $1 and status = '{WebhookDeliveryStatuses.Retrying}' and event_id <> $2",
                connection, transaction) { Parameters = { Uuid(endpointId), Text(writes.Count > 0 ? writes[0].EventId : "") } };
            await withdraw.ExecuteNonQueryAsync(cancellationToken);
        }
        if (writes.Count > 0)
        {
            lastAttempts = await UpsertAsync(connection, transaction, endpointId, writes, cancellationToken);
        }
        var state = progress(lastAttempts);
        await using (var update = new NpgsqlCommand(
            $"""
            update {schema.Endpoints} set cursor = $2, failing_since = $3, next_attempt_at = $4,
              enabled = enabled and $5 is null, disabled_reason = coalesce($5, disabled_reason)
            where id = $1
            """, connection, transaction)
        {
            Parameters = { Uuid(endpointId), Text(state.Cursor), NullableTime(state.FailingSince), NullableTime(state.NextAttemptAt), NullableText(state.DisabledReason) },
        })
        {
            await update.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Appends a manual attempt to one delivery (redelivery).</summary>
    public async Task AppendAsync(Guid endpointId, DeliveryWrite write, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await UpsertAsync(connection, null, endpointId, [write], cancellationToken);
    }

    /// <summary>Inserts the deliveries or appends their attempt; returns the last one's attempt count.</summary>
    private async Task<int> UpsertAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid endpointId, IReadOnlyList<DeliveryWrite> writes, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"""
            insert into {schema.Deliveries} as d (id, endpoint_id, event_id, type, entry_cursor, after_cursor, status, attempts, created_at)
            select w.id, $1, w.event_id, w.type, w.entry_cursor, w.after_cursor, w.status, jsonb_build_array(w.attempt::jsonb), w.at
            from unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::timestamptz[])
              as w(id, event_id, type, entry_cursor, after_cursor, status, attempt, at)
            on conflict (endpoint_id, event_id) do update
              set status = excluded.status, attempts = d.attempts || excluded.attempts
            returning event_id, jsonb_array_length(attempts)
            """, connection, transaction)
        {
            Parameters =
            {
                Uuid(endpointId),
                new() { Value = writes.Select(w => w.Id).ToArray() },
                new() { Value = writes.Select(w => w.EventId).ToArray() },
                new() { Value = writes.Select(w => w.Type).ToArray() },
                new() { Value = writes.Select(w => w.EntryCursor).ToArray() },
                new() { Value = writes.Select(w => w.AfterCursor).ToArray() },
                new() { Value = writes.Select(w => w.Status).ToArray() },
                new() { Value = writes.Select(w => JsonSerializer.Serialize(w.Attempt, Json)).ToArray() },
                new() { Value = writes.Select(w => w.Attempt.At.UtcDateTime).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz },
            },
        };
        var last = writes[^1].EventId;
        var count = 0;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (reader.GetString(0) == last)
            {
                count = reader.GetInt32(1);
            }
        }
        return count;
    }

    /// <summary>An endpoint's deliveries, newest first; <paramref name="before"/> pages on (a delivery id of the previous page).</summary>
    public async Task<List<(WebhookDeliveryView View, string EntryCursor, string AfterCursor)>> DeliveriesAsync(Guid endpointId, int limit, Guid? before, Guid? only, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"""
            select id, event_id, type, status, attempts::text, created_at, entry_cursor, after_cursor from {schema.Deliveries}
            where endpoint_id = $1 and ($3::uuid is null or id = $3)
              and ($4::uuid is null or (created_at, id) < (select created_at, id from {schema.Deliveries} where id = $4))
            order by created_at desc, id desc limit $2
            """, connection)
        {
            Parameters = { Uuid(endpointId), new() { Value = limit, NpgsqlDbType = NpgsqlDbType.Integer }, NullableUuid(only), NullableUuid(before) },
        };
        var list = new List<(WebhookDeliveryView, string, string)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var attempts = JsonSerializer.Deserialize<List<WebhookAttempt>>(reader.GetString(4), Json)!;
            list.Add((new WebhookDeliveryView(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), attempts.Count,
                reader.GetFieldValue<DateTimeOffset>(5), attempts.ConvertAll(a => a.ToView())), reader.GetString(6), reader.GetString(7)));
        }
        return list;
    }

    private async Task<List<WebhookEndpointRow>> QueryAsync(string sql, NpgsqlParameter[] parameters, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddRange(parameters);
        var rows = new List<WebhookEndpointRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new WebhookEndpointRow(
                reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetFieldValue<string[]>(4),
                reader.IsDBNull(5) ? null : reader.GetGuid(5), reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8), reader.GetBoolean(9), reader.IsDBNull(10) ? null : reader.GetString(10),
                reader.GetString(11), reader.IsDBNull(12) ? null : reader.GetFieldValue<DateTimeOffset>(12), reader.IsDBNull(13) ? null : reader.GetFieldValue<DateTimeOffset>(13),
                reader.GetFieldValue<DateTimeOffset>(14), reader.GetString(15)));
        }
        return rows;
    }

    private async Task<int> ExecuteAsync(string sql, NpgsqlParameter[] parameters, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddRange(parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static NpgsqlParameter Text(string value) => new() { Value = value, NpgsqlDbType = NpgsqlDbType.Text };

    private static NpgsqlParameter NullableText(string? value) => new() { Value = value is null ? DBNull.Value : value, NpgsqlDbType = NpgsqlDbType.Text };

    private static NpgsqlParameter Uuid(Guid value) => new() { Value = value, NpgsqlDbType = NpgsqlDbType.Uuid };

    private static NpgsqlParameter NullableUuid(Guid? value) => new() { Value = value is { } v ? v : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid };

    private static NpgsqlParameter Time(DateTimeOffset value) => new() { Value = value.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz };

    private static NpgsqlParameter NullableTime(DateTimeOffset? value) => new() { Value = value is { } v ? v.UtcDateTime : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz };
}
