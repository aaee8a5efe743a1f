using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace Consortium.Server.Identity;

/// <summary>
/// Accounts (ASP.NET Core Identity) and OpenIddict's applications, authorizations and tokens, in schema "identity" of
/// the same PostgreSQL database as Marten's documents. Schema changes ship as EF Core migrations in Identity/Migrations.
/// </summary>
public sealed class IdentityStore(DbContextOptions<IdentityStore> options) : IdentityDbContext<ConsortiumAccount>(options)
{
    public const string Schema = "identity";


    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.HasDefaultSchema(Schema);
        builder.UseOpenIddict();
        builder.Entity<ConsortiumAccount>(account =>
        {
            account.Property(a => a.OutletId).HasMaxLength(64).IsRequired();
            account.Property(a => a.DisplayName).HasMaxLength(200).IsRequired();
            account.HasIndex(a => a.OutletId);
        });
    }
}

/// <summary>Design-time factory so `dotnet ef migrations add` works without starting the server or a database.</summary>
internal sealed class IdentityStoreDesignFactory : Microsoft.EntityFrameworkCore.Design.IDesignTimeDbContextFactory<IdentityStore>
{
    public IdentityStore CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<IdentityStore>()
            .UseNpgsql("Host=localhost;Database=design", npgsql => npgsql.MigrationsHistoryTable("__EFMigrationsHistory", IdentityStore.Schema))
            .UseOpenIddict()
            // Identity reads its schema version from IdentityOptions; give the tools the same one as the server.
            .UseApplicationServiceProvider(new ServiceCollection().Configure<IdentityOptions>(IdentityUserStoreDefaults.UseLatestSchema).BuildServiceProvider())
            .Options);
}

internal static class IdentityUserStoreDefaults
{
    // Version 3 (.NET 10) adds the passkeys table.
    public static void UseLatestSchema(IdentityOptions options) => options.Stores.SchemaVersion = IdentitySchemaVersions.Version3;
}
