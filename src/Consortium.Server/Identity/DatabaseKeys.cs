using System.Security.Cryptography.X509Certificates;
using System.Xml.Linq;
using Consortium.Server.Storage;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;

namespace Consortium.Server.Identity;

/// <summary>
/// On several nodes (decision 0029), only when the operator opts in with <c>Identity:KeysInDatabase=true</c>, the keys
/// every node must share live in PostgreSQL: the token signing and encryption certificates, created once by whichever
/// node asks first, and the data-protection key ring (cookies, antiforgery, the enrolment cookie). They are stored in
/// clear, so whoever reads the database can forge tokens and cookies; the default is a keys folder mounted on every
/// node (<c>Identity:KeysDirectory</c>), which always takes precedence.
/// </summary>
internal sealed class DatabaseKeys(StorageSettings settings)
{
    /// <summary>
    /// Whether the shared keys live in PostgreSQL. A clustered node with neither a mounted keys folder nor the explicit
    /// opt-in refuses to start: each node would otherwise make keys of its own and reject the others' tokens.
    /// </summary>
    public static bool Chosen(IConfiguration configuration)
    {
        if (!ServerNode.IsOneOfManyIn(configuration) || configuration["Identity:KeysDirectory"] is { Length: > 0 })
        {
            return false;
        }
        if (configuration.GetValue("Identity:KeysInDatabase", false))
        {
            return true;
        }
        throw new InvalidOperationException(
            "Redis:Configuration is set (several nodes) but Identity:KeysDirectory is not. Mount one keys folder on every node " +
            "and set Identity:KeysDirectory to it, or set Identity:KeysInDatabase=true to keep the token and cookie keys in " +
            "PostgreSQL unencrypted, accepting that anyone who can read the database (a dump, a backup, a replica) can forge " +
            "tokens and cookies for anyone (docs/security.md).");
    }

    // "KeyTable": serialises creating the tables when several nodes start at once.
    private const long CreateLock = 0x4b65795461626c65;
    private readonly string schema = "\"" + settings.Schema.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    private bool created;

    public string SecretsTable => schema + ".shared_keys";

    public string RingTable => schema + ".data_protection_keys";

    public NpgsqlConnection Open()
    {
        var connection = new NpgsqlConnection(settings.ConnectionString);
        connection.Open();
        if (!created)
        {
            using var transaction = connection.BeginTransaction();
            using var command = new NpgsqlCommand(
                $"""
                select pg_advisory_xact_lock({CreateLock});
                create schema if not exists {schema};
                create table if not exists {SecretsTable} (name text primary key, value bytea not null, created_at timestamptz not null default now());
                create table if not exists {RingTable} (id bigserial primary key, name text not null unique, xml text not null, created_at timestamptz not null default now());
                """, connection, transaction);
            command.ExecuteNonQuery();
            transaction.Commit();
            created = true;
        }
        return connection;
    }

    /// <summary>The certificate named <paramref name="name"/>: created and stored by the first node to ask, read by the others.</summary>
    public X509Certificate2 Certificate(string name, X509KeyUsageFlags usage)
    {
        using var connection = Open();
        var pfx = Stored(connection, name);
        if (pfx is null)
        {
            // Two nodes starting at once may both create one; the first insert wins and both read it back.
            using var insert = new NpgsqlCommand($"insert into {SecretsTable} (name, value) values (@name, @value) on conflict (name) do nothing", connection);
            insert.Parameters.AddWithValue("name", name);
            insert.Parameters.AddWithValue("value", KeyFiles.CreateCertificate(name, usage));
            insert.ExecuteNonQuery();
            pfx = Stored(connection, name)!;
        }
        return X509CertificateLoader.LoadPkcs12(pfx, password: null, X509KeyStorageFlags.EphemeralKeySet);
    }

    private byte[]? Stored(NpgsqlConnection connection, string name)
    {
        using var select = new NpgsqlCommand($"select value from {SecretsTable} where name = @name", connection);
        select.Parameters.AddWithValue("name", name);
        return select.ExecuteScalar() as byte[];
    }
}

/// <summary>The data-protection key ring in PostgreSQL (<see cref="DatabaseKeys"/>); keys are only ever added.</summary>
internal sealed class DatabaseXmlRepository(DatabaseKeys keys) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var connection = keys.Open();
        using var command = new NpgsqlCommand($"select xml from {keys.RingTable} order by id", connection);
        using var reader = command.ExecuteReader();
        var elements = new List<XElement>();
        while (reader.Read())
        {
            elements.Add(XElement.Parse(reader.GetString(0)));
        }
        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var connection = keys.Open();
        using var command = new NpgsqlCommand($"insert into {keys.RingTable} (name, xml) values (@name, @xml) on conflict (name) do nothing", connection);
        command.Parameters.AddWithValue("name", friendlyName);
        command.Parameters.AddWithValue("xml", element.ToString(SaveOptions.DisableFormatting));
        command.ExecuteNonQuery();
    }
}
