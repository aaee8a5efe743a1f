using Consortium.Server.Storage;
using Marten;
using Npgsql;

namespace Consortium.Server.Sync;

/// <summary>
/// The table behind the feed of every change (<c>change_feed</c>) and the triggers that fill it inside each writing
/// transaction, whatever path wrote (a request, an import, the embargo lift, a projection rebuild): one row per change
/// with the transaction's id and a sequence, and a <c>NOTIFY consortium_feed</c> that PostgreSQL delivers at commit.
/// See docs/decisions/0026-one-feed-of-every-change.md.
/// </summary>
public sealed class ChangeFeedSchema(IDocumentStore store, StorageSettings settings) : IHostedService
{
    /// <summary>The channel the feed's triggers notify; <see cref="FeedSignal"/> listens on it.</summary>
    public const string Channel = "consortium_feed";

    // "Chfd" in ASCII: servers starting at once against one database create the objects one after the other.
    private const long SchemaLockKey = 0x43686664;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var statement in Statements(settings.Schema))
        {
            await using var command = new NpgsqlCommand(statement, connection, transaction);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static IEnumerable<string> Statements(string s)
    {
        yield return $"select pg_advisory_xact_lock({SchemaLockKey})";
        yield return $"""
            create table if not exists {s}.change_feed (
              xid xid8 not null,
              seq bigint generated always as identity,
              type text not null,
              object_id text not null,
              version bigint not null,
              change text not null,
              investigation_id uuid,
              dataset_id uuid,
              record_id uuid,
              data jsonb not null,
              primary key (xid, seq))
            """;
        // A rebuild that re-upserts a state already fed adds nothing; the same index finds an object's last version.
        yield return $"create unique index if not exists ix_change_feed_object on {s}.change_feed (type, object_id, version)";
        yield return $"create index if not exists ix_change_feed_investigation on {s}.change_feed (investigation_id, xid, seq)";
        // Objects without a version of their own (datasets, restrictions, memberships) count their feed entries.
        yield return $"""
            create or replace function {s}.change_feed_add(p_type text, p_object text, p_version bigint, p_change text,
              p_investigation uuid, p_dataset uuid, p_record uuid, p_data jsonb) returns void language plpgsql as $fn$
            begin
              insert into {s}.change_feed (xid, type, object_id, version, change, investigation_id, dataset_id, record_id, data)
              values (pg_current_xact_id(), p_type, p_object,
                      coalesce(p_version, (select coalesce(max(f.version), 0) + 1 from {s}.change_feed f where f.type = p_type and f.object_id = p_object)),
                      p_change, p_investigation, p_dataset, p_record, p_data)
              on conflict (type, object_id, version) do nothing;
              -- Delivered at commit, once per transaction (equal payloads fold into one).
              perform pg_notify('{Channel}', '');
            end
            $fn$
            """;
        yield return $"""
            create or replace function {s}.change_feed_annotation() returns trigger language plpgsql as $fn$
            begin
              perform {s}.change_feed_add('annotation', new.id::text, (new.data ->> 'version')::bigint,
                case when coalesce((new.data ->> 'retracted')::boolean, false) then 'retracted'
                     when (new.data ->> 'version')::bigint = 1 then 'added' else 'changed' end,
                (new.data ->> 'investigationId')::uuid, (new.data ->> 'datasetId')::uuid, (new.data ->> 'recordId')::uuid, new.data);
              return null;
            end
            $fn$
            """;
        yield return Trigger(s, "annotation", "mt_doc_annotation", "insert or update");
        // Only creations and compartment changes: an import rewrites the record count at every batch.
        yield return $"""
            create or replace function {s}.change_feed_dataset() returns trigger language plpgsql as $fn$
            declare kind text;
            begin
              if tg_op = 'INSERT' then kind := 'created';
              elsif old.data -> 'sharedWithOutletIds' is distinct from new.data -> 'sharedWithOutletIds' then kind := 'shared';
              else return null;
              end if;
              perform {s}.change_feed_add('dataset', new.id::text, null, kind, (new.data ->> 'investigationId')::uuid, new.id, null, new.data);
              return null;
            end
            $fn$
            """;
        yield return Trigger(s, "dataset", "mt_doc_dataset", "insert or update");
        yield return $"""
            create or replace function {s}.change_feed_restriction() returns trigger language plpgsql as $fn$
            declare doc jsonb; ds_id uuid; rec_id uuid;
            begin
              if tg_op = 'DELETE' then doc := old.data; rec_id := old.id; else doc := new.data; rec_id := new.id; end if;
              ds_id := (doc ->> 'datasetId')::uuid;
              perform {s}.change_feed_add('restriction', rec_id::text, null, case when tg_op = 'DELETE' then 'released' else 'restricted' end,
                (select (d.data ->> 'investigationId')::uuid from {s}.mt_doc_dataset d where d.id = ds_id), ds_id, rec_id,
                jsonb_build_object('recordId', rec_id, 'datasetId', ds_id, 'outletIds', case when tg_op = 'DELETE' then null else doc -> 'outletIds' end));
              return null;
            end
            $fn$
            """;
        yield return Trigger(s, "restriction", "mt_doc_recordrestriction", "insert or update or delete");
        // One entry per job, when it completes: rows are numbered on in each dataset and one import runs at a time per
        // dataset, so the job's rows are the last `imported` row numbers of its dataset at that moment.
        yield return $"""
            create or replace function {s}.change_feed_import() returns trigger language plpgsql as $fn$
            declare ds_id uuid; last_row bigint; imported bigint;
            begin
              if new.data ->> 'state' <> 'completed' or (tg_op = 'UPDATE' and old.data ->> 'state' = 'completed') then return null; end if;
              ds_id := (new.data ->> 'datasetId')::uuid;
              imported := coalesce((new.data ->> 'imported')::bigint, 0);
              last_row := (select max(r.row_number) from {s}.mt_doc_leakedrecord r where r.dataset_id = ds_id);
              perform {s}.change_feed_add('import', new.id::text, 1, 'completed', (new.data ->> 'investigationId')::uuid, ds_id, null,
                jsonb_build_object('job', new.data,
                  'firstRow', case when imported > 0 then last_row - imported + 1 end,
                  'lastRow', case when imported > 0 then last_row end));
              return null;
            end
            $fn$
            """;
        yield return Trigger(s, "import", "mt_doc_importjob", "insert or update");
        // One entry per outlet whose part changed (taking part or not, its people and their roles): an outlet reads its own.
        yield return $"""
            create or replace function {s}.change_feed_membership() returns trigger language plpgsql as $fn$
            declare outlet text; was jsonb; now_part jsonb;
            begin
              for outlet in
                select jsonb_array_elements_text(coalesce(new.data -> 'memberOutletIds', '[]'))
                union
                select jsonb_array_elements_text(case when tg_op = 'UPDATE' then coalesce(old.data -> 'memberOutletIds', '[]') else '[]' end)
              loop
                now_part := jsonb_build_object('investigationId', new.id, 'outletId', outlet,
                  'member', coalesce(new.data -> 'memberOutletIds', '[]') ? outlet,
                  'people', coalesce((select jsonb_agg(m) from jsonb_array_elements(coalesce(new.data -> 'members', '[]')) m where m ->> 'outletId' = outlet), '[]'));
                was := case when tg_op = 'UPDATE' then jsonb_build_object('investigationId', old.id, 'outletId', outlet,
                  'member', coalesce(old.data -> 'memberOutletIds', '[]') ? outlet,
                  'people', coalesce((select jsonb_agg(m) from jsonb_array_elements(coalesce(old.data -> 'members', '[]')) m where m ->> 'outletId' = outlet), '[]')) end;
                if was is distinct from now_part then
                  perform {s}.change_feed_add('membership', new.id::text, null, 'changed', new.id, null, null, now_part);
                end if;
              end loop;
              return null;
            end
            $fn$
            """;
        yield return Trigger(s, "membership", "mt_doc_investigation", "insert or update");
        // The embargo desk: the type and change come from the stream's latest event (named publication_*, decision 0024's
        // names), stored in the same transaction just before Marten upserts the inline snapshot.
        yield return $"""
            create or replace function {s}.change_feed_publication() returns trigger language plpgsql as $fn$
            declare ev text; kind text; change text;
            begin
              ev := coalesce((select e.type from {s}.mt_events e where e.seq_id = (new.data ->> 'sequence')::bigint), '');
              if tg_argv[0] = 'wave' then
                kind := 'embargo';
                change := coalesce(nullif(regexp_replace(ev, '^publication_(embargo_|wave_)?', ''), ''), 'changed');
              elsif ev like 'publication_sign_off_%' then kind := 'signoff'; change := substr(ev, length('publication_sign_off_') + 1);
              elsif ev like 'publication_letter_%' then kind := 'letter'; change := substr(ev, length('publication_letter_') + 1);
              else kind := 'story'; change := coalesce(nullif(regexp_replace(ev, '^publication_(story_)?', ''), ''), 'changed');
              end if;
              perform {s}.change_feed_add(kind, new.id::text, (new.data ->> 'version')::bigint, replace(change, '_', '-'),
                (new.data ->> 'investigationId')::uuid, null, null, new.data);
              return null;
            end
            $fn$
            """;
        yield return $"create or replace trigger change_feed_story after insert or update on {s}.mt_doc_publicationstory for each row execute function {s}.change_feed_publication('story')";
        yield return $"create or replace trigger change_feed_wave after insert or update on {s}.mt_doc_publicationwave for each row execute function {s}.change_feed_publication('wave')";
        // Objects stored before the feed existed enter it once, in their current state.
        yield return $"""
            insert into {s}.change_feed (xid, type, object_id, version, change, investigation_id, dataset_id, record_id, data)
            select pg_current_xact_id(), 'annotation', a.id::text, (a.data ->> 'version')::bigint, 'changed', (a.data ->> 'investigationId')::uuid,
                   (a.data ->> 'datasetId')::uuid, (a.data ->> 'recordId')::uuid, a.data
            from {s}.mt_doc_annotation a
            where not exists (select 1 from {s}.change_feed f where f.type = 'annotation' and f.object_id = a.id::text)
            on conflict do nothing
            """;
        yield return $"""
            insert into {s}.change_feed (xid, type, object_id, version, change, investigation_id, dataset_id, record_id, data)
            select pg_current_xact_id(), 'dataset', d.id::text, 1, 'created', (d.data ->> 'investigationId')::uuid, d.id, null, d.data
            from {s}.mt_doc_dataset d
            where not exists (select 1 from {s}.change_feed f where f.type = 'dataset' and f.object_id = d.id::text)
            on conflict do nothing
            """;
    }

    private static string Trigger(string schema, string name, string table, string events) =>
        $"create or replace trigger change_feed_{name} after {events} on {schema}.{table} for each row execute function {schema}.change_feed_{name}()";
}
