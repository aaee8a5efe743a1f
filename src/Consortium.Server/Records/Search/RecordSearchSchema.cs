using Consortium.Server.Access;
using Consortium.Server.Storage;
using Marten;
using Npgsql;

namespace Consortium.Server.Records;

/// <summary>
/// The database objects behind record search that Marten does not model: the pg_trgm and unaccent extensions, a text
/// search configuration, GIN indexes on Marten's record table (full text over every value, trigrams over the
/// phone digits) and the btree indexes of sorting by date or country. Marten is told to leave those indexes alone; this service creates them, idempotently, after Marten
/// has applied its own schema at start-up.
/// </summary>
/// <remarks>
/// The full-text index is an expression index rather than a generated column: Marten owns the table's columns, and
/// the tsvector is derived from the document alone, so nothing has to be kept in step on insert.
/// </remarks>
public sealed class RecordSearchSchema(IDocumentStore store, StorageSettings settings, ILogger<RecordSearchSchema> logger) : IHostedService
{
    public const string TextIndexName = "ix_leakedrecord_search_text";
    public const string PhoneIndexName = "ix_leakedrecord_phone_trgm";
    // (dataset, key, row): the order of a search sorted by date or country, the keyset of its cursor, the date range
    // and the country filter, and the country facet; records without a value hold '' so the keyset needs no nulls.
    public const string DateIndexName = "ix_leakedrecord_dataset_date_row";
    public const string CountryIndexName = "ix_leakedrecord_dataset_country_row";
    // "Srch" in ASCII: servers starting at once against one database create the objects one after the other.
    private const long SchemaLockKey = 0x53726368;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Marten's own start-up migration normally ran already; this makes the order certain (it is idempotent).
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        var names = new RecordSearchSql(settings.Schema);
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, transaction, $"select pg_advisory_xact_lock({SchemaLockKey})", cancellationToken);
        await ExecuteAsync(connection, transaction, "create extension if not exists pg_trgm", cancellationToken);
        await using (var available = new NpgsqlCommand("select exists (select 1 from pg_available_extensions where name = 'unaccent')", connection, transaction))
        {
            var unaccent = await available.ExecuteScalarAsync(cancellationToken) is true;
            if (unaccent)
            {
                await ExecuteAsync(connection, transaction, "create extension if not exists unaccent", cancellationToken);
            }
            else
            {
                logger.LogWarning("The unaccent extension is not available: record search matches words lower-cased but with their accents.");
            }
            // A copy of "simple" (lower-case, no stemming, no stop words: leaked records are names and numbers in
            // many languages), with unaccent in front when available so "Jose" finds "José".
            await ExecuteAsync(connection, transaction, $"""
                do $do$
                begin
                  if not exists (select 1 from pg_ts_config c join pg_namespace n on n.oid = c.cfgnamespace
                                 where n.nspname = {Literal(settings.Schema)} and c.cfgname = 'record_search') then
                    create text search configuration {names.Configuration} (copy = pg_catalog.simple);
                    {(unaccent ? $"alter text search configuration {names.Configuration} alter mapping for hword, hword_part, word with unaccent, simple;" : "")}
                  end if;
                end
                $do$
                """, cancellationToken);
        }
        await ExecuteAsync(connection, transaction, $"""
            create or replace function {names.TextFunction}(document jsonb) returns text
            language sql immutable parallel safe
            as $fn$ select coalesce(pg_catalog.string_agg(e.value, ' '), '') from pg_catalog.jsonb_each_text(coalesce(document -> 'values', pg_catalog.jsonb_build_object())) e $fn$
            """, cancellationToken);
        await ExecuteAsync(connection, transaction, $"create index if not exists {TextIndexName} on {names.Table} using gin ({names.DocumentVector("data")})", cancellationToken);
        await ExecuteAsync(connection, transaction, $"create index if not exists {PhoneIndexName} on {names.Table} using gin (phone_digits gin_trgm_ops)", cancellationToken);
        await ExecuteAsync(connection, transaction, $"create index if not exists {DateIndexName} on {names.Table} (dataset_id, (coalesce(date, '')), row_number)", cancellationToken);
        // The duplicated country column came after records were already stored; Marten adds the column empty. Filled
        // once, in the start-up that creates the country index (this transaction), so later starts do not scan every
        // record again; later imports write the column themselves.
        bool countryIndexExisted;
        await using (var exists = new NpgsqlCommand($"select to_regclass({Literal(names.Qualified(CountryIndexName))}) is not null", connection, transaction))
        {
            countryIndexExisted = await exists.ExecuteScalarAsync(cancellationToken) is true;
        }
        await ExecuteAsync(connection, transaction, $"create index if not exists {CountryIndexName} on {names.Table} (dataset_id, (coalesce(country, '')), row_number)", cancellationToken);
        if (!countryIndexExisted)
        {
            await ExecuteAsync(connection, transaction,
                $"update {names.Table} set country = data ->> 'country' where country is null and data ->> 'country' is not null", cancellationToken);
        }
        // Counts per dataset, country and date for facet counts (RecordFacetSummary), and the dataset version each was built at.
        await ExecuteAsync(connection, transaction, $"""
            create table if not exists {names.FacetSummary} (
              dataset_id uuid not null, country text not null, date text not null, records bigint not null,
              primary key (dataset_id, country, date));
            create table if not exists {names.FacetSummaryState} (dataset_id uuid primary key, dataset_version uuid not null);
            """, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string Literal(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
}

/// <summary>Names of the search objects in the configured schema, quoted; and the one expression the index is built on.</summary>
internal sealed class RecordSearchSql(string schema)
{
    private readonly string schema = "\"" + schema.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>An object of the schema by name, schema-qualified and quoted as SQL (and as regclass text) takes it.</summary>
    public string Qualified(string name) => $"{schema}.{name}";

    public string Table => $"{schema}.mt_doc_leakedrecord";

    public string Restrictions => $"{schema}.mt_doc_recordrestriction";

    public string Annotations => $"{schema}.mt_doc_annotation";

    public string Datasets => $"{schema}.mt_doc_dataset";

    public string FacetSummary => $"{schema}.record_facet_summary";

    public string FacetSummaryState => $"{schema}.record_facet_summary_state";

    /// <summary>"Fcts" in ASCII: the first key of the advisory lock taken while a dataset's summary is rebuilt.</summary>
    public int SummaryLockKey => 0x46637473;

    public string Configuration => $"{schema}.record_search";

    public string ConfigurationName => Configuration.Replace("'", "''", StringComparison.Ordinal);

    public string TextFunction => $"{schema}.record_search_text";

    /// <summary>Must stay exactly the indexed expression, or PostgreSQL will not use the index.</summary>
    public string DocumentVector(string data) => $"to_tsvector('{ConfigurationName}'::regconfig, {TextFunction}({data}))";

    public string Query(string parameter) => $"websearch_to_tsquery('{ConfigurationName}'::regconfig, {parameter})";
}

internal static class RecordSearchDocuments
{
    /// <summary>Keeps Marten's migrations from dropping the search indexes, which it does not model.</summary>
    public static void RegisterRecordSearch(this StoreOptions options) =>
        options.Schema.For<LeakedRecord>()
            .IgnoreIndex(RecordSearchSchema.TextIndexName).IgnoreIndex(RecordSearchSchema.PhoneIndexName)
            .IgnoreIndex(RecordSearchSchema.DateIndexName).IgnoreIndex(RecordSearchSchema.CountryIndexName);
}
