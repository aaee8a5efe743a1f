using System.Text.Json;
using Consortium.Client;
using Consortium.Server.Annotations;
using Npgsql;
using NpgsqlTypes;

namespace Consortium.Server.Records;

/// <summary>The SQL fragments of a record search: its filters, the annotations it may look at, its sort key and keyset.</summary>
internal sealed partial class RecordSearchQueries
{
    /// <summary>Every filter of the search except <paramref name="except"/>, with the caller's scope, as one SQL condition over alias d.</summary>
    private string Where(Parameters p, SearchFilter except)
    {
        var where = new List<string> { $"d.dataset_id = any({p.Datasets(scope)})" };
        if (scope.HiddenRecordIds.Length > 0)
        {
            where.Add($"d.id <> all({p.Add(scope.HiddenRecordIds, NpgsqlDbType.Array | NpgsqlDbType.Uuid)})");
        }
        if (request.Q is { } q)
        {
            where.Add($"{sql.DocumentVector("d.data")} @@ {sql.Query(p.Add(q))}");
        }
        if (request.Digits is { } digits)
        {
            // Digits only, so nothing in them is a LIKE wildcard.
            where.Add($"d.phone_digits like {p.Add($"%{digits}%")}");
        }
        if (request.Country is { } country && !except.HasFlag(SearchFilter.Country))
        {
            // The expression of the (dataset, country, row) index; the same as d.country = code for a code.
            where.Add($"coalesce(d.country, '') = {p.Add(country)}");
        }
        if (request.Dataset is { } dataset && !except.HasFlag(SearchFilter.Dataset))
        {
            where.Add($"d.dataset_id = {p.Add(dataset)}");
        }
        if (request.From is { } from)
        {
            where.Add($"coalesce(d.date, '') >= {p.Add(from)}");
        }
        if (request.To is { } to)
        {
            // Records without a date ('' here) are outside every range: from is a date, or this adds one.
            where.Add($"coalesce(d.date, '') between {p.Add(request.From ?? "0000-01-01")} and {p.Add(to)}");
        }
        if (request.Tag is { } tag && !except.HasFlag(SearchFilter.Tag))
        {
            where.Add($"d.id in (select a.record_id from {Annotations} a where a.dataset_id = any({p.Datasets(scope)}) and a.data ->> 'tag' = {p.Add(tag)} and {Visible(p)})");
        }
        if (request.Verification is { } state && !except.HasFlag(SearchFilter.Verification))
        {
            where.Add($"d.id in (select v.record_id from ({LatestVerdicts(p)}) v where v.state = {p.Add(state)})");
        }
        if (request.Annotated is { } annotated && !except.HasFlag(SearchFilter.Annotated))
        {
            where.Add($"{(annotated ? "" : "not ")}exists (select 1 from {Annotations} a where a.record_id = d.id and {Visible(p)})");
        }
        return string.Join("\n  and ", where);
    }

    /// <summary>
    /// What ties annotations (alias a, with record_id and dataset_id) to the records of the search without filter
    /// <paramref name="except"/>: a join to the records and their conditions, or, when that search filters by nothing
    /// beyond the caller's scope, no join and conditions on the annotations' own dataset and record ids. Joining each of
    /// thousands of annotations to its record costs a random read each, for nothing when no record filter applies.
    /// </summary>
    private string RecordJoin(Parameters p, SearchFilter except, out string condition)
    {
        var narrowed = request.Q is not null || request.Digits is not null || request.From is not null || request.To is not null
            || (request.Country is not null && !except.HasFlag(SearchFilter.Country))
            || (request.Tag is not null && !except.HasFlag(SearchFilter.Tag))
            || (request.Verification is not null && !except.HasFlag(SearchFilter.Verification))
            || (request.Annotated is not null && !except.HasFlag(SearchFilter.Annotated));
        if (narrowed)
        {
            condition = Where(p, except);
            return $" join {sql.Table} d on d.id = a.record_id";
        }
        var where = new List<string> { $"a.dataset_id = any({p.Datasets(scope)})" };
        if (scope.HiddenRecordIds.Length > 0)
        {
            where.Add($"a.record_id <> all({p.Add(scope.HiddenRecordIds, NpgsqlDbType.Array | NpgsqlDbType.Uuid)})");
        }
        if (request.Dataset is { } dataset && !except.HasFlag(SearchFilter.Dataset))
        {
            where.Add($"a.dataset_id = {p.Add(dataset)}");
        }
        condition = string.Join(" and ", where);
        return "";
    }

    /// <summary>Each record's latest verdict among the annotations the caller may read (retracted ones are not).</summary>
    private string LatestVerdicts(Parameters p) =>
        $"""
        select distinct on (a.record_id) a.record_id, a.dataset_id, a.data ->> 'verificationState' as state
        from {Annotations} a
        where a.dataset_id = any({p.Datasets(scope)}) and a.data ->> 'verificationState' is not null and {Visible(p)}
        order by a.record_id, (a.data ->> 'sequence')::bigint desc
        """;

    private string Visible(Parameters p) => AnnotationSql.VisibleTo("a", p.Outlet(scope), p.User(scope));

    /// <summary>The sort key of a record, or null for row order. Records without one sort first (ascending) or last (descending).</summary>
    private string? SortKey(string alias) => request.Sort switch
    {
        SearchSort.Date => $"coalesce({alias}.date, '')",
        SearchSort.Country => $"coalesce({alias}.country, '')",
        _ => null,
    };

    /// <summary>
    /// The condition of one dataset's branch that continues after the cursor, "" without a cursor, or null when the
    /// cursor is past the whole dataset. The order is (key, dataset, row): within one dataset (key, row) decides, and
    /// the cursor's dataset only says whether rows with the cursor's own key come before or after it.
    /// </summary>
    private string? Keyset(Parameters p, Guid dataset, string? key, string rowNumber)
    {
        if (request.After is not { } after)
        {
            return "";
        }
        var sign = string.CompareOrdinal(dataset.ToString(), after.DatasetId.ToString());
        if (request.Descending)
        {
            sign = -sign;
        }
        var op = request.Descending ? "<" : ">";
        if (key is null)
        {
            return sign switch
            {
                < 0 => null,
                0 => $" and {rowNumber} {op} {p.Add(after.RowNumber)}",
                _ => "",
            };
        }
        // In the order of the search, a later dataset's rows with the cursor's key all follow it, an earlier one's none.
        var row = sign == 0 ? after.RowNumber : (sign > 0) != request.Descending ? long.MinValue : long.MaxValue;
        return $" and ({key}, {rowNumber}) {op} ({p.Add(after.Key ?? "")}, {p.Add(row)})";
    }

    private static string? Text(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    /// <summary>Positional parameters of one command; the scope's values are added once and reused.</summary>
    private sealed class Parameters
    {
        private readonly List<NpgsqlParameter> list = [];
        private string? datasets, outlet, user;

        public string Add(object value, NpgsqlDbType? type = null)
        {
            var parameter = new NpgsqlParameter { Value = value };
            if (type is { } t)
            {
                parameter.NpgsqlDbType = t;
            }
            list.Add(parameter);
            return $"${list.Count}";
        }

        public string Datasets(SearchScope scope) => datasets ??= Add(scope.DatasetIds, NpgsqlDbType.Array | NpgsqlDbType.Uuid);

        public string Outlet(SearchScope scope) => outlet ??= Add(scope.OutletId, NpgsqlDbType.Text);

        public string User(SearchScope scope) => user ??= Add(scope.UserId, NpgsqlDbType.Text);

        public NpgsqlParameter[] ToArray() => [.. list];
    }
}
