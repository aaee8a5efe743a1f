namespace Consortium.Server.Access;

public static class AccessRegistration
{
    /// <summary>
    /// The one access rule (<see cref="AccessPolicy"/>). The documents it reads are stored as the areas that write them
    /// say (Investigations, Records): see docs/decisions/0023-areas-and-arrows.md.
    /// </summary>
    public static WebApplicationBuilder AddAccess(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<AccessPolicy>();
        builder.Services.AddSingleton<InvestigationCache>();
        return builder;
    }
}
