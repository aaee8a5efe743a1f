using Consortium.Server.Access;
using Marten;

namespace Consortium.Server.Investigations;

public static class InvestigationsRegistration
{
    /// <summary>How investigations are stored (the type is Access's: the access rule reads it; this area writes it).</summary>
    public static WebApplicationBuilder AddInvestigations(this WebApplicationBuilder builder)
    {
        builder.Services.ConfigureMarten(options =>
        {
            // Membership is what every read is filtered by, so containment queries get a GIN index; two coordinators
            // changing members at once must not overwrite each other.
            options.Schema.For<Investigation>().GinIndexJsonData().UseOptimisticConcurrency(true);
        });
        return builder;
    }
}
