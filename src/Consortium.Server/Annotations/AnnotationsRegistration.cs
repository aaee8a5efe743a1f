using Consortium.Server.LiveUpdates;
using Marten;

namespace Consortium.Server.Annotations;

public static class AnnotationsRegistration
{
    /// <summary>Annotation writes, and their announcement to live clients after commit.</summary>
    public static WebApplicationBuilder AddAnnotations(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<AnnotationChanges>();
        builder.Services.AddScoped<ITypingAudience, AnnotationTypingAudience>();
        builder.Services.AddSingleton<AnnotationCommits>();
        builder.Services.AddHostedService<AnnotationAnnouncer>();
        builder.Services.ConfigureMarten((services, options) =>
        {
            options.RegisterAnnotationProjections();
            // After commit, with the sequence numbers Marten assigned: announced from here to live clients.
            options.Listeners.Add(services.GetRequiredService<AnnotationCommits>());
        });
        return builder;
    }
}
