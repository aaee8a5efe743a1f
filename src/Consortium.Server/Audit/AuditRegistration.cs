using Marten;

namespace Consortium.Server.Audit;

public static class AuditRegistration
{
    /// <summary>The audit log service, its sealer, and its events and read model in Marten.</summary>
    public static WebApplicationBuilder AddConsortiumAudit(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<AuditLog>();
        builder.Services.AddSingleton<AuditSealer>();
        builder.Services.AddHostedService(services => services.GetRequiredService<AuditSealer>());
        builder.Services.ConfigureMarten(options => options.RegisterAuditEvents());
        return builder;
    }
}
